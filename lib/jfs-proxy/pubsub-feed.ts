import createDebug from 'debug';
import type { Redis } from 'ioredis';
import type { SchedulerLike } from 'rxjs';
import { parseNotifyMessage } from '../jfs-protocol/notify-message.ts';
import { disconnectRedis } from '../redis/disconnect-redis.ts';
import { connectRedis, type RedisAddress } from '../redis/redis-address.ts';
import { ObservableFeed } from './feed-subjects.ts';
import type { ProxyFeed } from './proxy-feed.ts';

const log = createDebug('batchwatch:jfs-proxy');

/**
 * The Go feed: the pub/sub channel `jfsnotify`, one JSON message per change
 * or several (for Go daemons, which write no stream). Pub/sub keeps nothing
 * for a subscriber that is away, so every resubscription after the first is
 * a gap. Reports to its proxy as a {@link StreamFeed} does.
 */
export class PubSubFeed extends ObservableFeed implements ProxyFeed {
  /** Pub/sub has no positions: no lag to tell. */
  readonly lagMs = 0;
  readonly #redis: Redis;

  /** `scheduler` stamps the `ready` status. */
  constructor(address: RedisAddress, name: string, channel: string, scheduler: SchedulerLike) {
    super(() => scheduler.now());
    const out = this.out;
    const redis = connectRedis(address, name);
    this.#redis = redis;
    let subscribedBefore = false;
    // 'ready' means connected; events flow only once the SUBSCRIBE is confirmed (again after every
    // reconnection).
    redis.on('ready', () => {
      redis.subscribe(channel).then(
        () => {
          if (subscribedBefore) out.gap('resubscribe');
          subscribedBefore = true;
          out.ready();
          log('redis ready; subscribed to %s', channel);
        },
        (err: unknown) => log('subscribe failed: %s', (err as Error).message),
      );
    });
    let lastError = new Error('the connection to Redis was lost');
    redis.on('reconnecting', (delayMs: number) => out.reconnecting(delayMs, lastError));
    redis.on('error', (err: Error) => {
      lastError = err;
      log('redis: %s', err.message);
      out.warn(err);
    });
    redis.on('message', (from: string, text: string) => {
      if (from !== channel) return;
      const { events, invalid, error } = parseNotifyMessage(text);
      if (error !== undefined) log('jfsnotify message: %s', error);
      out.events(events, 1);
      if (invalid > 0) out.invalid(invalid);
    });
  }

  /** Stops reading the subscription's socket: Redis holds what comes (up to its pubsub output limit). */
  pause(): void {
    this.#redis.stream?.pause();
  }

  resume(): void {
    this.#redis.stream?.resume();
  }

  async close(): Promise<void> {
    await disconnectRedis(this.#redis);
    this.out.close();
  }
}
