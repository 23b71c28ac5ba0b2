import createDebug from 'debug';
import type { Redis } from 'ioredis';
import type { Subscription } from 'rxjs';
import { describeCause } from '../describe.ts';
import type { Event } from '../events/event.ts';
import { RetryLoop } from '../retry-loop.ts';
import { encodeEvent } from './event-codec.ts';
import { JournalFullError } from './journal-errors.ts';
import { execOrThrow } from './redis-commands.ts';
import type { ResolvedRedisJournalOptions } from './redis-journal-options.ts';
import { partitionOfEvent } from './redis-partitions.ts';

const log = createDebug('batchwatch:journal:redis');

/**
 * The producer side of a Redis journal: appended events wait, encoded, in
 * their key's partition and go to Redis with the source checkpoints in one
 * MULTI per commit; commits run one after the other. At most `maxPending`
 * events wait (Redis away or refusing writes; the commit in flight included):
 * one more is refused with a `JournalFullError`, so memory stays bounded and
 * nothing is lost silently.
 */
export class RedisIntake {
  readonly #redis: Redis;
  readonly #options: ResolvedRedisJournalOptions;
  readonly #streams: readonly string[];
  readonly #checkpointsKey: string;
  /** Encoded events not committed yet, by partition. */
  #appended: string[][];
  #appendedCount = 0;
  /** Events of the commit Redis has not answered yet (they count against maxPending too). */
  #inFlight = 0;
  readonly #checkpoints = new Map<string, string>();
  readonly #dirtyCheckpoints = new Set<string>();
  #checkpointTimer: Subscription | null = null;
  #committing: Promise<void> = Promise.resolve();
  readonly #retry: RetryLoop;
  #stopped = false;
  /** Told when a commit retried on its own failed. */
  onRetryFailed: (cause: unknown) => void = () => undefined;

  constructor(
    redis: Redis,
    options: ResolvedRedisJournalOptions,
    streams: readonly string[],
    checkpointsKey: string,
  ) {
    this.#redis = redis;
    this.#options = options;
    this.#streams = streams;
    this.#checkpointsKey = checkpointsKey;
    this.#appended = streams.map(() => []);
    this.#retry = new RetryLoop({
      policy: options.retry,
      option: 'retry',
      scheduler: options.scheduler,
    });
  }

  /** Events appended and not yet in Redis (the commit in flight included). */
  get pending(): number {
    return this.#appendedCount + this.#inFlight;
  }

  /** Reads the checkpoints saved under this consumer. */
  async load(): Promise<void> {
    const saved = await this.#redis.hgetall(this.#checkpointsKey);
    for (const [name, value] of Object.entries(saved)) this.#checkpoints.set(name, value);
  }

  checkpoint(name: string): string | undefined {
    return this.#checkpoints.get(name);
  }

  setCheckpoint(name: string, value: string): void {
    this.#checkpoints.set(name, value);
    this.#dirtyCheckpoints.add(name);
    // A checkpoint no append comes to commit is committed on its own within the commit window;
    // the MULTI carries every append made before it, so it is never ahead of the stream.
    if (this.#checkpointTimer === null && !this.#stopped) {
      this.#checkpointTimer = this.#options.scheduler.schedule(() => {
        this.#checkpointTimer = null;
        this.commit().catch((cause: unknown) => {
          log('committing checkpoints failed: %s', describeCause(cause));
        });
      }, this.#options.commitWindow);
    }
  }

  /** @throws JournalFullError when `maxPending` events wait for Redis already. */
  append(event: Event): void {
    // The commit in flight counts: one that fails puts its events back, and a bound on the
    // waiting ones alone would let every failed commit add maxPending more.
    if (this.#appendedCount + this.#inFlight >= this.#options.maxPending) {
      throw new JournalFullError(this.#options.maxPending);
    }
    const partition = partitionOfEvent(event, this.#options.partitions);
    (this.#appended[partition] as string[]).push(encodeEvent(event));
    this.#appendedCount++;
  }

  /**
   * Writes what was appended (entries of at most `entryEvents` events, in
   * each partition) and the checkpoints, in one MULTI, after the commits
   * before it. A commit Redis refuses puts its records and checkpoints back
   * in front, rejects, and is tried again after the `retry` policy's delay.
   */
  commit(): Promise<void> {
    const run = this.#committing.then(() => this.#commitNow());
    this.#committing = run.catch(() => undefined);
    return run;
  }

  /** No more timers: the retries and the checkpoint timer end (a last `commit()` may follow). */
  stop(): void {
    this.#stopped = true;
    this.#checkpointTimer?.unsubscribe();
    this.#checkpointTimer = null;
    this.#retry.cancel();
  }

  async #commitNow(): Promise<void> {
    if (this.#appendedCount === 0 && this.#dirtyCheckpoints.size === 0) return;
    const appended = this.#appended;
    const count = this.#appendedCount;
    this.#appended = this.#streams.map(() => []);
    this.#appendedCount = 0;
    const names = [...this.#dirtyCheckpoints];
    this.#dirtyCheckpoints.clear();
    const multi = this.#redis.multi();
    const size = this.#options.entryEvents;
    for (const [partition, records] of appended.entries()) {
      const stream = this.#streams[partition] as string;
      // One field per entry, its records one a line: one argument for ioredis and one stream
      // field for Redis instead of one per event.
      for (let i = 0; i < records.length; i += size) {
        multi.xadd(stream, '*', 'b', records.slice(i, i + size).join('\n'));
      }
    }
    if (names.length > 0) {
      multi.hset(
        this.#checkpointsKey,
        ...names.flatMap((name) => [name, this.#checkpoints.get(name) as string]),
      );
    }
    this.#inFlight = count;
    try {
      await execOrThrow(multi);
      this.#inFlight = 0;
      this.#retry.succeeded();
    } catch (cause) {
      this.#inFlight = 0;
      this.#appended = appended.map((records, p) => records.concat(this.#appended[p] as string[]));
      this.#appendedCount += count;
      for (const name of names) this.#dirtyCheckpoints.add(name);
      if (!this.#stopped && !this.#retry.pending) {
        const step = this.#retry.failed(() => {
          this.commit().catch((error: unknown) => this.onRetryFailed(error));
        });
        log('commit refused (%d in a row, %d events wait)', step.attempt, this.#appendedCount);
      }
      throw cause;
    }
  }
}
