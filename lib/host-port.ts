/** A `host[:port][/path]` address split into parts. */
export interface HostPort {
  /** The host, without the brackets of an IPv6 literal; `''` when absent (`:5079`). */
  readonly host: string;
  /** The port, 0 to 65535; `undefined` when absent. */
  readonly port: number | undefined;
  /** What follows the port, from its `/` (`'/3'` in `redis:6379/3`); `''` when absent. */
  readonly path: string;
}

/**
 * Splits `host`, `host:port`, `[::1]:port`, `:port`, each optionally
 * followed by `/path`; `null` when the text is not of that form or the port
 * is over 65535. The one host:port parser of the Redis, proxy-listen and
 * Docker addresses; each caller then applies its own defaults and limits.
 */
export function parseHostPort(text: string): HostPort | null {
  const match = /^(\[[^\]]*\]|[^:/[\]]*)(?::(\d{1,5}))?(\/.*)?$/.exec(text);
  if (match === null) return null;
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && port > 65_535) return null;
  return { host: (match[1] ?? '').replace(/^\[|\]$/g, ''), port, path: match[3] ?? '' };
}
