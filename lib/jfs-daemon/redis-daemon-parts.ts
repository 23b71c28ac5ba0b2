import type { Redis } from 'ioredis';
import { notifyNames } from '../jfs-protocol/redis-keys.ts';
import { connectRedis } from '../redis/redis-address.ts';
import type { ChangeFeed } from './change-feed.ts';
import type { ResolvedJfsDaemonOptions } from './jfs-daemon-options.ts';
import { RedisChangeFeed } from './redis-change-feed.ts';
import { RedisWatchList } from './redis-watch-list.ts';
import type { WatchList } from './watch-list.ts';

/**
 * The feed and watch list a daemon uses: those given in its options, else
 * Redis ones at `redisAddr` (one connection that writes and reads the
 * registry, one that listens on the control channel).
 */
export function daemonRedisParts(options: ResolvedJfsDaemonOptions): {
  feed: ChangeFeed;
  watchList: WatchList | null;
} {
  const names = notifyNames(options.channel, options.redis.db ?? 0);
  const connect = (name: string): Redis =>
    connectRedis(options.redis, name, options.retry, options.redisTimeout);
  let writer: Redis | null = null;
  let feed = options.feed;
  if (feed === undefined) {
    writer = connect('batchwatch-daemon');
    feed = new RedisChangeFeed(writer, names, options.streamMaxLen);
  }
  if (!options.followProxies) return { feed, watchList: null };
  if (options.watchList !== undefined) return { feed, watchList: options.watchList };
  const reader = writer ?? connect('batchwatch-daemon-registry');
  const watchList = new RedisWatchList(
    reader,
    connect('batchwatch-daemon-control'),
    names,
    writer === null,
  );
  return { feed, watchList };
}
