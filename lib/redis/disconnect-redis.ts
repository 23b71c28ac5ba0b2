import type { Redis } from 'ioredis';

/**
 * Disconnects `redis` for good and resolves once its socket is closed
 * (ioredis's `end`), so that a closed proxy leaves no socket or timer behind.
 */
export function disconnectRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return Promise.resolve();
  if (redis.status === 'reconnecting') {
    // No socket, only the retry timer, which disconnect() clears; ioredis says no 'end' then.
    redis.disconnect();
    return Promise.resolve();
  }
  const ended = new Promise<void>((resolve) => redis.once('end', () => resolve()));
  redis.disconnect();
  return ended;
}
