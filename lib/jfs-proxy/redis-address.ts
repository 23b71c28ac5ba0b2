import { Redis } from 'ioredis';
import { OptionsError } from '../errors.ts';

/** How to reach Redis, as the Go daemon and proxy are configured (`REDIS_ADDR`, `REDIS_PASSWORD`). */
export interface RedisAddress {
  readonly host: string;
  readonly port: number;
  readonly password?: string;
}

/**
 * Parses `host:port` (or `redis://host:port`); the port defaults to 6379.
 *
 * @throws OptionsError naming `option` when the address is not of that form.
 */
export function parseRedisAddress(
  addr: string,
  password: string | undefined,
  option: string,
): RedisAddress {
  const text = addr.replace(/^redis:\/\//i, '');
  const match = /^(\[[^\]]+\]|[^:]*)(?::(\d+))?$/.exec(text);
  const port = Number(match?.[2] ?? '6379');
  if (match === null || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new OptionsError(option, addr, 'host:port, such as 127.0.0.1:6379');
  }
  const host = (match[1] ?? '').replace(/^\[|\]$/g, '') || '127.0.0.1';
  return password === undefined || password === '' ? { host, port } : { host, port, password };
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
    lazyConnect: false,
    maxRetriesPerRequest: null,
    // Resubscribing is done by the user of the connection on 'ready', so that it knows when it is done.
    autoResubscribe: false,
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 10), 2_000),
  });
}
