import createDebug from 'debug';
import { Redis } from 'ioredis';
import { exponentialBackoff, type RetryPolicy } from '../backoff.ts';
import { OptionsError } from '../errors.ts';
import { parseHostPort } from '../host-port.ts';
import { askRetryPolicy } from '../options.ts';

const log = createDebug('batchwatch:redis');

/** How to reach Redis, as the Go daemon and proxy are configured (`REDIS_ADDR`, `REDIS_PASSWORD`). */
export interface RedisAddress {
  readonly host: string;
  readonly port: number;
  readonly password?: string;
  /** The database number keys (the stream, the watch registry) live in; pub/sub ignores it. Default 0. */
  readonly db?: number;
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
 * Parses `host`, `host:port`, `[::1]:port`, `host:port/db` (each optionally
 * prefixed `redis://`); the host defaults to 127.0.0.1, the port to 6379,
 * the database to `db` (0 when not given).
 *
 * @example parseRedisAddress('redis:6379/3', undefined, 'redisAddr') // { host: 'redis', port: 6379, db: 3 }
 * @throws OptionsError naming `option` when the address is not of that form.
 */
export function parseRedisAddress(
  addr: string,
  password: string | undefined,
  option: string,
  db = 0,
): RedisAddress {
  const parts = parseHostPort(addr.replace(/^redis:\/\//i, ''));
  const port = parts?.port ?? 6379;
  if (parts === null || port < 1) {
    throw new OptionsError(option, addr, 'host:port, such as 127.0.0.1:6379');
  }
  const database =
    parts.path === '' ? db : /^\/\d+$/.test(parts.path) ? Number(parts.path.slice(1)) : -1;
  if (!Number.isInteger(database) || database < 0) {
    throw new OptionsError(option, addr, 'host:port/db with a database number >= 0');
  }
  const host = parts.host || '127.0.0.1';
  const base = database === 0 ? { host, port } : { host, port, db: database };
  return password === undefined || password === '' ? base : { ...base, password };
}

/**
 * The `retryStrategy` ioredis asks after each lost connection, from a
 * {@link RetryPolicy}: the policy's delay, or `null` (stop reconnecting) when
 * it gives up, throws or answers nonsense.
 */
export function redisRetryStrategy(
  policy: RetryPolicy,
  option = 'redisRetry',
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
  return new Redis({
    ...(timeoutMs > 0 ? { socketTimeout: timeoutMs } : {}),
    host: address.host,
    port: address.port,
    ...(address.password === undefined ? {} : { password: address.password }),
    connectionName: name,
    db: address.db ?? 0,
    lazyConnect: false,
    maxRetriesPerRequest: null,
    autoResubscribe: false,
    retryStrategy: redisRetryStrategy(retry),
  });
}
