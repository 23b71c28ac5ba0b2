import { registerHooks } from 'node:module';

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
        ? { url: onDemand, shortCircuit: true }
        : nextResolve(specifier, context);
    },
  });
}
