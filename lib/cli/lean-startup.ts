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

/** Flags that decide the compilers too: given one, `maglev` and `turbofan` are left alone. */
const COMPILER_MODES = ['jitless', 'lite-mode'];

/** True when `flag` (or its `no-` form) is among the node options the user gave. */
function userSet(flag: string, nodeOptions: readonly string[]): boolean {
  return nodeOptions.some((option) => {
    const name = option.replace(/^--?/, '').replace(/=.*$/, '').replaceAll('_', '-');
    return (
      name === flag ||
      name === `no-${flag}` ||
      (flag !== 'optimize-for-size' && COMPILER_MODES.includes(name))
    );
  });
}

/** Where {@link leanStartup} reads the user's node options and how it sets V8 flags. */
export interface LeanStartupOptions {
  /** Default `process.execArgv`. */
  readonly execArgv?: readonly string[];
  /** Default `process.env.NODE_OPTIONS`. */
  readonly nodeOptions?: string;
  /** Default `v8.setFlagsFromString`. */
  readonly setFlags?: (flag: string) => void;
}

/**
 * Lets a long-lived server command load its modules with V8 favouring memory over speed, so that
 * the process idles smaller, then gives V8 back its defaults for the traffic. A flag the user
 * set (`node --turbofan ...`, NODE_OPTIONS) is left alone, and so are the compilers under
 * `--jitless` or `--lite-mode`.
 *
 * @returns the function that restores the defaults; call it once the server listens (calling it
 * again does nothing).
 */
export function leanStartup({
  execArgv = process.execArgv,
  nodeOptions = process.env['NODE_OPTIONS'] ?? '',
  setFlags = setFlagsFromString,
}: LeanStartupOptions = {}): () => void {
  const given = [...execArgv, ...nodeOptions.split(/\s+/).filter((word) => word !== '')];
  const flags = LEAN_FLAGS.filter((flag) => !userSet(flag, given));
  const set = (lean: boolean): void => {
    for (const flag of flags) setFlags(`--${LEAN_VALUE[flag] === lean ? '' : 'no-'}${flag}`);
  };
  set(true);
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    set(false);
  };
}
