// What ioredis gets for `require('tls')` when the CLI runs (see lean-startup.ts): node:tls loads on
// the first TLS connection instead of at import, since a Redis link over TLS is the rare case.
import { createRequire } from 'node:module';
import type * as Tls from 'node:tls';

let tls: typeof Tls | undefined;
const load = (): typeof Tls => {
  tls ??= createRequire(import.meta.url)('node:tls') as typeof Tls;
  return tls;
};

/** `tls.connect` of node:tls, loaded on the first call. */
export function connect(...args: Parameters<typeof Tls.connect>): Tls.TLSSocket {
  return (load().connect as (...a: typeof args) => Tls.TLSSocket)(...args);
}
