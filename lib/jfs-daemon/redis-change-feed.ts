import createDebug from 'debug';
import type { Redis } from 'ioredis';
import type { Observable } from 'rxjs';
import type { NotifyNames } from '../jfs-protocol/redis-keys.ts';
import { redisLinkStatus } from '../redis/redis-link-status.ts';
import type { LinkStatus } from '../status.ts';
import type { ChangeFeed, FeedRecord } from './change-feed.ts';
import { FEED_SCRIPT, FEED_SCRIPT_SHA, feedScriptArgs } from './feed-script.ts';
import { TrimWindow } from './trim-window.ts';

const log = createDebug('batchwatch:jfs-daemon');

/**
 * The default {@link ChangeFeed}: entries go to the stream `names.stream`
 * (`XADD ... MAXLEN ~`, keeping at least `maxLen` changes: the entry bound
 * is how many of its newest entries hold them, see {@link TrimWindow}),
 * messages to the channel `names.channel`, each small entry also to
 * `names.chain` with the id before it (what a proxy at rest reads instead
 * of the stream), all of one write in ONE command,
 * a Lua script (`EVALSHA`, see {@link FEED_SCRIPT}) that Redis applies whole
 * or refuses whole (out of memory, its first XADD is refused and nothing is
 * written), so that a change is never on the channel without being in the
 * stream, and a refused write can be sent again as it was.
 *
 * - Redis forgets scripts when it restarts (`NOSCRIPT`): the write is sent
 *   once more with the script itself (`EVAL`), which Redis keeps for the
 *   next ones.
 * - An ACL user that may not run scripts (`NOPERM` for EVALSHA or EVAL):
 *   from then on every write is a MULTI/EXEC transaction of the same
 *   commands (four round-trip commands instead of one, same guarantees),
 *   with no chain (a transaction cannot read the id before its entry):
 *   proxies then read every entry from the stream.
 *
 * ioredis queues what a lost connection cut off and sends it again once it
 * is back. Owns `redis`: `close()` disconnects it.
 */
export class RedisChangeFeed implements ChangeFeed {
  readonly status$: Observable<LinkStatus>;
  readonly #redis: Redis;
  readonly #names: NotifyNames;
  readonly #trim: TrimWindow;
  /** Whether this user may run the script (until a NOPERM says otherwise). */
  #scripts = true;
  #closed = false;

  constructor(redis: Redis, names: NotifyNames, maxLen: number) {
    this.#redis = redis;
    this.#names = names;
    this.#trim = new TrimWindow(maxLen);
    this.status$ = redisLinkStatus(redis, () => this.#closed);
  }

  async write(records: readonly FeedRecord[]): Promise<void> {
    // Each entry's MAXLEN bound, taken once per write.
    const bounds = records.map((record) =>
      record.kind === 'append' ? this.#trim.append(record.changes) : 0,
    );
    if (this.#scripts) {
      try {
        await this.#script(records, bounds);
        return;
      } catch (err) {
        // Nothing ran: this user may not run scripts. Other refusals (OOM...) are the caller's.
        if (!hasCode(err, 'NOPERM')) throw err;
        log('scripts refused (%s): writing with MULTI/EXEC from now on', (err as Error).message);
        this.#scripts = false;
      }
    }
    await this.#transaction(records, bounds);
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#redis.disconnect();
    }
    return Promise.resolve();
  }

  async #script(records: readonly FeedRecord[], bounds: readonly number[]): Promise<void> {
    const { stream, channel, chain } = this.#names;
    // One array, never spread into a call: a write after Redis was away holds up to the whole
    // backlog (100,000 changes, as many arguments), past what a call's arguments may be.
    const args = ['1', stream].concat(feedScriptArgs(channel, chain, records, bounds));
    try {
      await this.#redis.call('EVALSHA', [FEED_SCRIPT_SHA].concat(args));
    } catch (err) {
      // Nothing ran: Redis does not know the script (it restarted, or SCRIPT FLUSH).
      if (!hasCode(err, 'NOSCRIPT')) throw err;
      await this.#redis.call('EVAL', [FEED_SCRIPT].concat(args));
    }
  }

  async #transaction(records: readonly FeedRecord[], bounds: readonly number[]): Promise<void> {
    const pipeline = this.#redis.multi();
    records.forEach((record, i) => {
      if (record.kind === 'append') {
        pipeline.xadd(
          this.#names.stream,
          'MAXLEN',
          '~',
          bounds[i] as number,
          '*',
          ...record.fields,
        );
      } else {
        pipeline.publish(this.#names.channel, record.message);
      }
    });
    // EXECABORT (a command refused while queued, e.g. OOM) rejects; an error inside EXEC is a result.
    const results = await pipeline.exec().catch((err: unknown) => {
      // The cause (OOM...) is the first command refused, not EXECABORT.
      throw (err as { previousErrors?: Error[] }).previousErrors?.[0] ?? err;
    });
    if (results === null) throw new Error('the transaction was discarded');
    const failed = results.find(([error]) => error !== null)?.[0];
    if (failed) throw failed;
  }
}

/** Whether `err` is a Redis error reply starting with `code` (`NOSCRIPT`, `NOPERM`). */
function hasCode(err: unknown, code: string): boolean {
  return err instanceof Error && err.message.startsWith(code);
}
