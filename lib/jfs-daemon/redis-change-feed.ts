import type { Redis } from 'ioredis';
import type { Observable } from 'rxjs';
import type { NotifyNames } from '../jfs-protocol/redis-keys.ts';
import { redisLinkStatus } from '../redis/redis-link-status.ts';
import type { LinkStatus } from '../status.ts';
import type { ChangeFeed, FeedRecord } from './change-feed.ts';
import { FEED_SCRIPT, FEED_SCRIPT_SHA, feedScriptArgs } from './feed-script.ts';
import { TrimWindow } from './trim-window.ts';

/**
 * The default {@link ChangeFeed}: entries go to the stream `names.stream`
 * (`XADD ... MAXLEN ~`, keeping at least `maxLen` changes: the entry bound
 * is how many of its newest entries hold them, see {@link TrimWindow}),
 * messages to the channel `names.channel`, all of one write in ONE command,
 * a Lua script (`EVALSHA`, see {@link FEED_SCRIPT}) that Redis applies whole
 * or refuses whole (out of memory, its first XADD is refused and nothing is
 * written), so that a change is never on the channel without being in the
 * stream, and a refused write can be sent again as it was. Redis forgets
 * scripts when it restarts (`NOSCRIPT`): the write is then sent once more
 * with the script itself (`EVAL`), which Redis keeps for the next ones.
 * ioredis queues what a lost connection cut off and sends it again once it
 * is back. Owns `redis`: `close()` disconnects it.
 */
export class RedisChangeFeed implements ChangeFeed {
  readonly status$: Observable<LinkStatus>;
  readonly #redis: Redis;
  readonly #names: NotifyNames;
  readonly #trim: TrimWindow;
  #closed = false;

  constructor(redis: Redis, names: NotifyNames, maxLen: number) {
    this.#redis = redis;
    this.#names = names;
    this.#trim = new TrimWindow(maxLen);
    this.status$ = redisLinkStatus(redis, () => this.#closed);
  }

  async write(records: readonly FeedRecord[]): Promise<void> {
    // The bounds are taken once per write: a write sent again keeps them (they only trim).
    const args = feedScriptArgs(this.#names.channel, records, (changes) =>
      this.#trim.append(changes),
    );
    try {
      await this.#redis.evalsha(FEED_SCRIPT_SHA, 1, this.#names.stream, ...args);
    } catch (err) {
      // Nothing ran: Redis does not know the script (it restarted, or SCRIPT FLUSH).
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      await this.#redis.eval(FEED_SCRIPT, 1, this.#names.stream, ...args);
    }
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#redis.disconnect();
    }
    return Promise.resolve();
  }
}
