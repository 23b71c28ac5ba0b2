import { Redis } from 'ioredis';
import { OptionsError } from '../errors.ts';

/** How to reach Redis, as the Go daemon and proxy are configured (`REDIS_ADDR`, `REDIS_PASSWORD`). */
export interface RedisAddress {
  readonly host: string;
  readonly port: number;
  readonly password?: string;
  /** The database number keys (the stream, the watch registry) live in; pub/sub ignores it. Default 0. */
  readonly db?: number;
}

/**
 * Parses `host:port`, `host:port/db` (or `redis://host:port/db`); the port
 * defaults to 6379, the database to `db` (0 when not given).
 *
 * @throws OptionsError naming `option` when the address is not of that form.
 */
export function parseRedisAddress(
  addr: string,
  password: string | undefined,
  option: string,
  db = 0,
): RedisAddress {
  const text = addr.replace(/^redis:\/\//i, '');
  const match = /^(\[[^\]]+\]|[^:/]*)(?::(\d+))?(?:\/(\d+))?$/.exec(text);
  const port = Number(match?.[2] ?? '6379');
  const database = match?.[3] === undefined ? db : Number(match[3]);
  if (match === null || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new OptionsError(option, addr, 'host:port, such as 127.0.0.1:6379');
  }
  if (!Number.isInteger(database) || database < 0) {
    throw new OptionsError(option, addr, 'host:port/db with a database number >= 0');
  }
  const host = (match[1] ?? '').replace(/^\[|\]$/g, '') || '127.0.0.1';
  const base = database === 0 ? { host, port } : { host, port, db: database };
  return password === undefined || password === '' ? base : { ...base, password };
}

/**
 * A Redis connection that reconnects for ever (ioredis's own policy, capped
 * at 2 s) and resubscribes its channels after each reconnection.
 */
export function connectRedis(address: RedisAddress, name: string): Redis {
  return new Redis({
    host: address.host,
    port: address.port,
    ...(address.password === undefined ? {} : { password: address.password }),
    connectionName: name,
    db: address.db ?? 0,
    lazyConnect: false,
    maxRetriesPerRequest: null,
    // Resubscribing is done by the user of the connection on 'ready', so that it knows when it is done.
    autoResubscribe: false,
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 10), 2_000),
  });
}
