import createDebug from 'debug';
import { Redis } from 'ioredis';
import { exponentialBackoff, type RetryPolicy } from '../backoff.ts';
import { OptionsError } from '../errors.ts';
import { parseHostPort } from '../host-port.ts';
import { askRetryPolicy } from '../options.ts';
import { redactUrl } from '../redact.ts';

const log = createDebug('batchwatch:redis');

/** TLS settings of a `rediss://` connection (Node's `tls.connect` options of the same names). */
export interface RedisTlsOptions {
  /** PEM of the CA(s) to trust instead of the system's (a private CA). Default the system's. */
  readonly ca?: string | Buffer;
  /** PEM of a client certificate, with `key`. Default none. */
  readonly cert?: string | Buffer;
  /** PEM of the client certificate's private key. Default none. */
  readonly key?: string | Buffer;
  /** The name the server certificate must carry. Default the host. */
  readonly servername?: string;
}

/**
 * How to reach Redis: the Go parts' `REDIS_ADDR`/`REDIS_PASSWORD`, and what
 * people run besides: ACL users, TLS, unix sockets, `redis://` URLs.
 */
export interface RedisAddress {
  readonly host: string;
  readonly port: number;
  /** A unix socket instead of `host` and `port`. */
  readonly path?: string;
  /** An ACL user (Redis 6+). Default the `default` user. */
  readonly username?: string;
  readonly password?: string;
  /** The database number keys (the stream, the watch registry) live in; pub/sub ignores it. Default 0. */
  readonly db?: number;
  /** TLS (`rediss://`): present, possibly empty, when the connection is encrypted. */
  readonly tls?: RedisTlsOptions;
}

/** What {@link parseRedisAddress} takes besides the address. */
export interface RedisCredentials {
  /** Used when the address has none (`REDIS_PASSWORD`). */
  readonly password?: string | undefined;
  /** Used when the address has none (`REDIS_USERNAME`). */
  readonly username?: string | undefined;
  /** TLS files for `rediss://`; refused with a plain address. */
  readonly tls?: RedisTlsOptions | undefined;
}

const forms =
  'host:port[/db], redis://[user[:password]@]host[:port][/db], rediss://... (TLS) or unix:/path/to/redis.sock';

/**
 * Parses where Redis is: `host`, `host:port`, `[::1]:port`, `host:port/db`,
 * `redis://[user[:password]@]host[:port][/db]` (user and password
 * percent-decoded), `rediss://...` (TLS), `unix:/path`, `unix:///path` or an
 * absolute socket path. The host defaults to 127.0.0.1, the port to 6379,
 * the database to `db` (0), the password and user to `credentials`' (those of
 * the URL win). A value that cannot be parsed is named in the error with its
 * password redacted.
 *
 * @example parseRedisAddress('redis:6379/3', undefined, 'redisAddr') // { host: 'redis', port: 6379, db: 3 }
 * @example parseRedisAddress('rediss://app:pw@r:6380', undefined, 'redisAddr') // { host: 'r', port: 6380, username: 'app', password: 'pw', tls: {} }
 * @throws OptionsError naming `option` when the address is not of those forms.
 */
export function parseRedisAddress(
  addr: string,
  password: string | undefined,
  option: string,
  db = 0,
  credentials: RedisCredentials = {},
): RedisAddress {
  const bad = (expected: string): OptionsError =>
    new OptionsError(option, redactUrl(String(addr)), expected);
  if (typeof addr !== 'string') throw bad(forms);
  let host = '127.0.0.1';
  let port = 6379;
  let path: string | undefined;
  let database = db;
  let user = credentials.username;
  let secret = password ?? credentials.password;
  let tls = false;
  // A scheme only with its slashes: `redis:6380` is the host "redis", port 6380.
  const scheme = /^(rediss?):\/\//i.exec(addr)?.[1]?.toLowerCase();
  if (/^unix:\//i.test(addr) || addr.startsWith('/')) {
    path = addr.replace(/^unix:(\/\/(?=\/))?/i, '');
    if (!path.startsWith('/')) throw bad(`an absolute socket path (${forms})`);
  } else if (scheme === 'redis' || scheme === 'rediss') {
    let url: URL;
    try {
      url = new URL(addr);
    } catch {
      throw bad(forms);
    }
    tls = scheme === 'rediss';
    host = url.hostname.replace(/^\[|\]$/g, '') || host;
    port = url.port === '' ? 6379 : Number(url.port);
    if (url.pathname !== '' && url.pathname !== '/') {
      if (!/^\/\d+$/.test(url.pathname)) throw bad('a URL path /db with a database number >= 0');
      database = Number(url.pathname.slice(1));
    }
    try {
      if (url.username !== '') user = decodeURIComponent(url.username);
      if (url.password !== '') secret = decodeURIComponent(url.password);
    } catch {
      throw bad('a user and password in valid percent-encoding');
    }
  } else {
    const parts = parseHostPort(addr);
    if (parts === null || (parts.port ?? 6379) < 1) throw bad(forms);
    host = parts.host || host;
    port = parts.port ?? port;
    if (parts.path !== '') {
      if (!/^\/\d+$/.test(parts.path)) throw bad('host:port/db with a database number >= 0');
      database = Number(parts.path.slice(1));
    }
  }
  if (port < 1 || port > 65_535) throw bad(forms);
  if (!Number.isSafeInteger(database) || database < 0) {
    throw bad('a database number >= 0');
  }
  if (credentials.tls !== undefined && !tls) {
    throw new OptionsError(
      option,
      redactUrl(addr),
      'a rediss:// address: TLS files (CA, certificate, key) are given',
    );
  }
  return {
    host,
    port,
    ...(path === undefined ? {} : { path }),
    ...(database === 0 ? {} : { db: database }),
    ...(user === undefined || user === '' ? {} : { username: user }),
    ...(secret === undefined || secret === '' ? {} : { password: secret }),
    ...(tls ? { tls: { ...credentials.tls } } : {}),
  };
}

/** `address` as it may be shown: where, never the password. */
export function describeRedisAddress(address: RedisAddress): string {
  const where =
    address.path ??
    `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
  const user = address.username === undefined ? '' : `${address.username}@`;
  const db = address.db === undefined ? '' : `/${address.db}`;
  return `${address.tls === undefined ? 'redis' : 'rediss'}://${user}${where}${db}`;
}

/**
 * The default reconnect policy of every Redis connection: 100 ms, doubling,
 * at most 2 s, never giving up (Redis is expected back).
 */
export const DEFAULT_REDIS_RETRY: RetryPolicy = exponentialBackoff({
  initial: 100,
  max: 2_000,
  jitter: 0,
});

/**
 * The `retryStrategy` ioredis asks after each lost connection, from a
 * {@link RetryPolicy}: the policy's delay, or `null` (stop reconnecting) when
 * it gives up, throws or answers nonsense.
 */
export function redisRetryStrategy(
  policy: RetryPolicy,
  option = 'retry',
): (attempt: number) => number | null {
  return (attempt) => {
    const decision = askRetryPolicy(policy, attempt, option);
    if (decision.retry) return decision.delay;
    log(
      'gave up reconnecting after %d attempt(s): %s',
      attempt,
      decision.cause ?? 'the policy said stop',
    );
    return null;
  };
}

/**
 * A Redis connection that reconnects as `retry` says (default
 * {@link DEFAULT_REDIS_RETRY}: for ever) and queues commands meanwhile; its
 * user resubscribes on `'ready'` (ioredis's auto-resubscribe is off, so that
 * the user knows when it is done).
 *
 * `timeoutMs` (default 10 s): a connection that waits that long for the
 * answer to a command it sent (a frozen or overloaded server, a dead link
 * no RST announced) is closed and made again (ioredis's `socketTimeout`), so
 * that it reports `reconnecting` instead of queueing commands for ever; the
 * commands it was waiting for are sent again once it is back (not lost, not
 * failed: `maxRetriesPerRequest: null`; one the server had already read may
 * so run twice), so a caller that keeps one command in flight keeps its
 * memory bounded. Longer than any blocking command's
 * wait on that connection; `0` turns it off.
 */
export function connectRedis(
  address: RedisAddress,
  name: string,
  retry: RetryPolicy = DEFAULT_REDIS_RETRY,
  timeoutMs = 10_000,
): Redis {
  const redis = new Redis({
    ...(timeoutMs > 0 ? { socketTimeout: timeoutMs } : {}),
    host: address.host,
    port: address.port,
    ...(address.path === undefined ? {} : { path: address.path }),
    ...(address.username === undefined ? {} : { username: address.username }),
    ...(address.password === undefined ? {} : { password: address.password }),
    ...(address.tls === undefined ? {} : { tls: { ...address.tls } }),
    connectionName: name,
    db: address.db ?? 0,
    lazyConnect: false,
    maxRetriesPerRequest: null,
    autoResubscribe: false,
    retryStrategy: redisRetryStrategy(retry),
  });
  if (timeoutMs > 0) {
    // ioredis leaves its socket timer running when a connection closes: it would then cut the
    // next connection (it destroys whatever stream is current) or outlive close().
    redis.on('close', () => {
      const timed = redis as unknown as {
        socketTimeoutTimer?: ReturnType<typeof setTimeout> | undefined;
      };
      clearTimeout(timed.socketTimeoutTimer);
      timed.socketTimeoutTimer = undefined;
    });
  }
  // ioredis only reports a failed SELECT and goes on in database 0: never write there.
  redis.on('error', (err: Error) => {
    if (!isMissingDatabase(err)) return;
    log('%s: database %d does not exist: disconnecting', name, address.db ?? 0);
    redis.disconnect();
  });
  return redis;
}

/** The error Redis answers a SELECT of a database it does not have. */
export function isMissingDatabase(err: unknown): boolean {
  return err instanceof Error && /DB index is out of range|invalid DB index/i.test(err.message);
}
