import { Redis } from 'ioredis';
import { redactUrl } from '../redact.ts';
import { isMissingDatabase, type RedisAddress } from './redis-address.ts';

/** What one connection attempt to Redis found. */
export type RedisProbe =
  | { readonly kind: 'ok' }
  /** The server has no such database: a configuration error, not a passing fault. */
  | { readonly kind: 'no-database'; readonly reason: string }
  /** Anything else (refused, wrong password, TLS): the reason, which may pass. */
  | { readonly kind: 'failed'; readonly reason: string };

/**
 * Connects to `address` once (no retry), authenticates, selects its
 * database and PINGs, within `timeoutMs`; says what went wrong in Redis's or
 * the socket's words (WRONGPASS, NOAUTH, ECONNREFUSED, a TLS error), never
 * with the password. Always closes its connection.
 */
export async function probeRedis(address: RedisAddress, timeoutMs = 3000): Promise<RedisProbe> {
  const errors: Error[] = [];
  const redis = new Redis({
    host: address.host,
    port: address.port,
    ...(address.path === undefined ? {} : { path: address.path }),
    ...(address.username === undefined ? {} : { username: address.username }),
    ...(address.password === undefined ? {} : { password: address.password }),
    ...(address.tls === undefined ? {} : { tls: { ...address.tls } }),
    db: address.db ?? 0,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    connectionName: 'batchwatch-probe',
  });
  redis.on('error', (err: Error) => errors.push(err));
  const reason = (err: unknown): string =>
    redactUrl(err instanceof Error ? err.message : String(err)).replace(
      address.password ?? '\0',
      '***',
    );
  try {
    await redis.connect();
    await redis.ping();
    const missing = errors.find(isMissingDatabase);
    return missing === undefined
      ? { kind: 'ok' }
      : { kind: 'no-database', reason: reason(missing) };
  } catch (err) {
    const missing = [err, ...errors].find(isMissingDatabase);
    if (missing !== undefined) return { kind: 'no-database', reason: reason(missing) };
    // ioredis's own wrapper ("Connection is closed.") says less than the socket error under it.
    const first = errors.find((e) => e.message !== (err as Error)?.message) ?? err;
    const text = reason(err);
    return {
      kind: 'failed',
      reason: /Connection is closed|Stream isn't writeable/i.test(text) ? reason(first) : text,
    };
  } finally {
    redis.disconnect();
  }
}
