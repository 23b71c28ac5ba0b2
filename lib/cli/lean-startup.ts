import { registerHooks } from 'node:module';
import { setFlagsFromString } from 'node:v8';

/**
 * The V8 settings a server command starts with, each with the value V8 returns to once the server
 * listens. Measured by bench/startup (`batchwatch proxy`, idle, connected to Redis):
 * - `optimize-for-size`: the young generation stays at its first size instead of doubling while
 *   some 150 modules load, and the old generation grows by smaller steps: about 9 MB less RSS.
 * - `maglev`, `turbofan`: Node's own module loader (path and URL helpers) gets hot while those
 *   modules load and is optimized, which pages in the optimizing compilers' machine code: about
 *   8 MB of the node binary. Traffic optimizes what it runs as usual once the server listens.
 */
const LEAN_FLAGS = ['optimize-for-size', 'maglev', 'turbofan'] as const;
const LEAN_VALUE: Record<(typeof LEAN_FLAGS)[number], boolean> = {
  'optimize-for-size': true,
  maglev: false,
  turbofan: false,
};

/** True when `flag` (or its `no-` form) is among the node options the user gave. */
function userSet(flag: string, nodeOptions: readonly string[]): boolean {
  return nodeOptions.some((option) => {
    const name = option.replace(/^--?/, '').replace(/=.*$/, '').replaceAll('_', '-');
    return name === flag || name === `no-${flag}`;
  });
}

/**
 * Lets a long-lived server command load its modules with V8 favouring memory over speed, so that
 * the process idles smaller, then gives V8 back its defaults for the traffic. A flag the user
 * set (`node --turbofan ...`, NODE_OPTIONS) is left alone.
 *
 * @returns the function that restores the defaults; call it once the server listens (calling it
 * again does nothing).
 */
export function leanStartup(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string = process.env['NODE_OPTIONS'] ?? '',
): () => void {
  const given = [...execArgv, ...nodeOptions.split(/\s+/).filter((word) => word !== '')];
  const flags = LEAN_FLAGS.filter((flag) => !userSet(flag, given));
  const set = (lean: boolean): void => {
    for (const flag of flags)
      setFlagsFromString(`--${LEAN_VALUE[flag] === lean ? '' : 'no-'}${flag}`);
  };
  set(true);
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    set(false);
  };
}

/**
 * ioredis loads node:tls at import (about 3 MB of idle RSS: OpenSSL's TLS side and the JS of
 * node:tls) for the rare Redis link over TLS; from here on, ioredis gets `tls-on-demand.ts`
 * instead, whose `connect` loads node:tls on its first call. Nothing else is redirected.
 */
export function tlsOnDemandForIoredis(): void {
  // The sibling module, built (.js) or run from the sources (.ts) like this one.
  const onDemand = new URL(`./tls-on-demand${import.meta.url.slice(-3)}`, import.meta.url).href;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      return (specifier === 'tls' || specifier === 'node:tls') &&
        context.parentURL?.includes('/node_modules/ioredis/') === true
        ? { url: onDemand, format: 'module', shortCircuit: true }
        : nextResolve(specifier, context);
    },
  });
}
