import type { Redis } from 'ioredis';
import type { Observable } from 'rxjs';
import type { NotifyNames } from '../jfs-protocol/redis-keys.ts';
import { redisLinkStatus } from '../redis/redis-link-status.ts';
import type { LinkStatus } from '../status.ts';
import type { ChangeFeed, FeedRecord } from './change-feed.ts';

/**
 * The default {@link ChangeFeed}: entries go to the stream `names.stream`
 * (`XADD ... MAXLEN ~`, keeping about `maxLen` changes: the entry bound is
 * `maxLen` over the average changes per entry), messages to the channel `names.channel`, all
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
  readonly #maxLen: number;
  #closed = false;
  /** Changes per stream entry, a moving average: what `MAXLEN` is scaled by. */
  #perEntry = 1;

  constructor(redis: Redis, names: NotifyNames, maxLen: number) {
    this.#redis = redis;
    this.#names = names;
    this.#maxLen = maxLen;
    this.status$ = redisLinkStatus(redis, () => this.#closed);
  }

  async write(records: readonly FeedRecord[]): Promise<void> {
    const pipeline = this.#redis.multi();
    for (const record of records) {
      if (record.kind === 'append') {
        this.#perEntry += (record.changes - this.#perEntry) / 16;
        const entries = Math.max(1, Math.ceil(this.#maxLen / this.#perEntry));
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
