import type { Redis } from 'ioredis';
import type { Observable } from 'rxjs';
import type { NotifyNames } from '../jfs-protocol/redis-keys.ts';
import { redisLinkStatus } from '../redis/redis-link-status.ts';
import type { LinkStatus } from '../status.ts';
import type { ChangeFeed, FeedRecord } from './change-feed.ts';
import { TrimWindow } from './trim-window.ts';

/**
 * The default {@link ChangeFeed}: entries go to the stream `names.stream`
 * (`XADD ... MAXLEN ~`, keeping at least `maxLen` changes: the entry bound
 * is how many of its newest entries hold them, see {@link TrimWindow}), messages to the channel `names.channel`, all
 * of one write in one MULTI/EXEC: Redis applies it whole or refuses it whole
 * (out of memory, an XADD is refused at queueing and EXEC aborts), so that a
 * change is never on the channel without being in the stream, and a refused
 * write can be sent again as it was. ioredis queues what a lost connection
 * cut off and sends it again once it is back. Owns `redis`: `close()`
 * disconnects it.
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
    const pipeline = this.#redis.multi();
    for (const record of records) {
      if (record.kind === 'append') {
        const entries = this.#trim.append(record.changes);
        pipeline.xadd(this.#names.stream, 'MAXLEN', '~', entries, '*', ...record.fields);
      } else {
        pipeline.publish(this.#names.channel, record.message);
      }
    }
    // EXECABORT (a command refused while queued, e.g. OOM) rejects; an error inside EXEC is a result.
    const results = await pipeline.exec().catch((err: unknown) => {
      // The cause (OOM...) is the first command refused, not EXECABORT.
      throw (err as { previousErrors?: Error[] }).previousErrors?.[0] ?? err;
    });
    if (results === null) throw new Error('the transaction was discarded');
    const failed = results.find(([error]) => error !== null)?.[0];
    if (failed) throw failed;
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#redis.disconnect();
    }
    return Promise.resolve();
  }
}
