// The daemon's writing side alone (ChangeOutbox + RedisChangeFeed, as the daemon runs them), on a
// stream of its own: the benches time it against the whole daemon.
import { Redis } from 'ioredis';
import { asapScheduler } from 'rxjs';
import { ChangeOutbox } from '../../lib/jfs-daemon/change-outbox.ts';
import { RedisChangeFeed } from '../../lib/jfs-daemon/redis-change-feed.ts';
import { notifyNames } from '../../lib/jfs-protocol/redis-keys.ts';

/** An outbox writing to the redis-server on `port`, stream `name`; `close()` closes both. */
export async function writerOutbox(
  port: number,
  name: string,
): Promise<{ readonly outbox: ChangeOutbox; close(): Promise<void> }> {
  const redis = new Redis({ port, lazyConnect: true });
  await redis.connect();
  const outbox = new ChangeOutbox(new RedisChangeFeed(redis, notifyNames(name), 100_000), {
    daemonId: name,
    maxBacklog: 1_000_000,
    scheduler: asapScheduler,
    retry: () => 100,
    overflowing: () => {},
    failed: (error) => console.error(error.message),
    recovered: () => {},
  });
  await outbox.marked;
  return {
    outbox,
    async close() {
      await outbox.close();
      redis.disconnect();
    },
  };
}
