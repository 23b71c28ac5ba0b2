import createDebug from 'debug';
import type { Redis } from 'ioredis';
import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';
import type { RetryPolicy } from '../backoff.ts';
import { RetryLoop } from '../retry-loop.ts';
import { groupByStream, HeldEntries, type HeldEntry } from './held-entries.ts';
import type {
  JournalConsumer,
  JournalRecovery,
  RecoveredRecord,
  SetAsideRecord,
} from './journal.ts';
import type { PartitionLeases } from './partition-leases.ts';
import { trimFloor } from './redis-commands.ts';
import { type StreamEntry, streamEntries } from './stream-entries.ts';

const log = createDebug('batchwatch:journal:redis');

/** What a {@link RedisGroupReader} needs. */
export interface GroupReaderOptions {
  /** Commands (claims, acknowledgements, trims, leases). */
  readonly redis: Redis;
  /** Blocking reads get their own connection. */
  readonly reader: Redis;
  readonly leases: PartitionLeases;
  /** Every partition's stream key, by partition index. */
  readonly streams: readonly string[];
  readonly group: string;
  readonly consumer: string;
  /** Where the records that cannot be decoded are kept. */
  readonly aside: string;
  readonly takeoverTimeout: number;
  readonly readCount: number;
  readonly trimInterval: number;
  readonly retry: RetryPolicy;
  readonly scheduler: SchedulerLike;
  /** Creates the group on every partition again (after a NOGROUP: Redis lost it). */
  readonly createGroups: () => Promise<void>;
}

/**
 * The consumer side of a Redis journal: reads the partitions this consumer
 * holds the leases of, one read at a time (the next once the last is
 * acknowledged), and hands the records to the queue.
 *
 * ```
 *  lease tick (every takeoverTimeout/3): renew, give back over the share, take free ones
 *        │ took partition p                         read failed: RetryLoop (policy `retry`)
 *        ▼                                                 ▲
 *  XAUTOCLAIM p, idle 0 (what its last holder left, redelivered) ─► XREADGROUP '>' on the held
 *  partitions ─► queue ─► acknowledge (XACK) ─► all acknowledged: give back, read again
 * ```
 *
 * A partition is read by one consumer of the group at a time, and its
 * entries are claimed from its last holder before anything newer is read, so
 * the events of one key (one partition) are handled in order and never by two
 * consumers at once. An entry idle for `takeoverTimeout` in a held partition
 * (read by a consumer that had lost the lease unknowingly, and died) is taken
 * over too.
 */
export class RedisGroupReader {
  readonly #options: GroupReaderOptions;
  readonly #retry: RetryLoop;
  readonly #tickRetry: RetryLoop;
  readonly #held: HeldEntries;
  /** Partitions taken since the last read: what their last holder left is claimed before reading them. */
  readonly #toClaim = new Set<number>();
  #consumer: JournalConsumer | null = null;
  #wake: (() => void) | null = null;
  #closed = false;
  #loop: Promise<void> = Promise.resolve();
  #timers: Subscription[] = [];
  /** At most one lease tick, one trim in flight: nothing piles up in the connection while Redis is away. */
  #ticking: Promise<void> | null = null;
  #trimming = false;
  #nextIdleClaim = 0;

  constructor(options: GroupReaderOptions) {
    this.#options = options;
    this.#held = new HeldEntries(options.redis, options.streams, options.group, options.aside);
    this.#retry = new RetryLoop({
      policy: options.retry,
      option: 'retry',
      scheduler: options.scheduler,
    });
    this.#tickRetry = new RetryLoop({
      policy: options.retry,
      option: 'retry',
      scheduler: options.scheduler,
    });
  }

  /** The hash that counts failed tries of the entries of `stream`. */
  triesKey(stream: string): string {
    return this.#held.triesKey(stream);
  }

  /**
   * Takes the leases of this consumer's share of the partitions and claims
   * what their last holders left unacknowledged (this consumer's own entries
   * after a restart under the same name, or a dead consumer's), in order.
   */
  async recover(): Promise<JournalRecovery> {
    await this.#tick();
    return this.#claimAcquired();
  }

  /** Starts reading for `consumer`: the lease ticks, trims and the read loop. */
  start(consumer: JournalConsumer): void {
    if (this.#consumer !== null || this.#closed) return;
    this.#consumer = consumer;
    const o = this.#options;
    this.#every(Math.max(10, Math.floor(o.takeoverTimeout / 3)), () => this.#periodic());
    this.#every(o.trimInterval, () => this.#trimSafely());
    this.#loop = this.#run();
    // At once too: the recovery's own tick may have failed (Redis refusing writes).
    this.#periodic();
  }

  /** The held entries through `through`; released from the held list when `release`. */
  heldThrough(through: number, release: boolean): readonly HeldEntry[] {
    return this.#held.through(through, release);
  }

  /** Wakes the read loop when nothing is held any more. */
  wakeIfFree(): void {
    if (this.#held.size === 0) this.#wakeNow();
  }

  /** Trims every partition below what every group acknowledged; how many entries went. */
  async trim(streams: readonly string[] = this.#options.streams): Promise<number> {
    let removed = 0;
    for (const stream of streams) {
      const floor = await trimFloor(this.#options.redis, stream);
      if (floor !== null)
        removed += Number(await this.#options.redis.xtrim(stream, 'MINID', floor));
    }
    return removed;
  }

  /** Stops reading; gives the leases back when nothing is held (else they expire, and the entries are claimed). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) timer.unsubscribe();
    this.#retry.cancel();
    this.#tickRetry.cancel();
    this.#wakeNow();
    // A lease tick in flight settles when the command connection closes (it may wait for Redis).
    await this.#loop;
  }

  /** Gives every lease back and leaves the members (the reader connection is closed by now). */
  releaseLeases(): Promise<void> {
    return this.#options.leases.releaseAll();
  }

  #every(period: number, work: () => void): void {
    this.#timers.push(
      this.#options.scheduler.schedule(function (this: SchedulerAction<unknown>) {
        work();
        this.schedule(undefined, period);
      }, period),
    );
  }

  #periodic(): void {
    if (this.#ticking !== null || this.#closed) return;
    this.#tickRetry.cancel();
    this.#ticking = this.#tick()
      .then(() => this.#renewHeld())
      .then(
        () => this.#tickRetry.succeeded(),
        (cause: unknown) => {
          this.#consumer?.error('renew the partition leases', cause);
          // Sooner than the next period: a consumer without its leases reads nothing meanwhile.
          if (!this.#closed) this.#tickRetry.failed(() => this.#periodic());
        },
      )
      .finally(() => {
        this.#ticking = null;
      });
  }

  async #tick(): Promise<void> {
    const { acquired, lost } = await this.#options.leases.tick();
    for (const index of acquired) this.#toClaim.add(index);
    for (const index of lost) this.#toClaim.delete(index);
    if (acquired.length > 0 || this.#options.leases.releasing.length > 0) this.wakeIfFree();
  }

  /** Keeps the held entries from being taken over as idle: XCLAIM JUSTID resets their idle time. */
  async #renewHeld(): Promise<void> {
    const byStream = groupByStream(this.#held.all);
    for (const [stream, ids] of byStream) {
      await this.#options.redis.xclaim(
        stream,
        this.#options.group,
        this.#options.consumer,
        0,
        ...ids,
        'JUSTID',
      );
    }
  }

  /** Reads while open: claimed entries first, then new ones; each read waits until the last is acknowledged. */
  async #run(): Promise<void> {
    const o = this.#options;
    while (!this.#closed) {
      if (this.#held.size > 0 || this.#retry.pending) {
        await this.#sleep();
        continue;
      }
      try {
        await o.leases.release(o.leases.releasing);
        const claimed = await this.#claimAcquired();
        if (this.#hand(claimed)) continue;
        if (this.#hand(await this.#claimIdle())) continue;
        const streams = o.leases.reading
          .filter((index) => !this.#toClaim.has(index))
          .map((index) => o.streams[index] as string);
        if (streams.length === 0) {
          if (this.#toClaim.size === 0) await this.#sleep();
          continue;
        }
        const block = Math.min(2_000, Math.max(10, Math.floor(o.takeoverTimeout / 2)));
        const reply = (await o.reader.xreadgroup(
          'GROUP',
          o.group,
          o.consumer,
          'COUNT',
          o.readCount,
          'BLOCK',
          block,
          'STREAMS',
          ...streams,
          ...streams.map(() => '>'),
        )) as unknown;
        if (this.#closed) break;
        this.#hand(await this.#held.take(streamEntries(reply), false));
        this.#retry.succeeded();
      } catch (cause) {
        if (this.#closed) break;
        if (cause instanceof Error && cause.message.startsWith('NOGROUP')) {
          await o.createGroups().catch(() => undefined);
        }
        this.#consumer?.error('read the stream', cause);
        const step = this.#retry.failed(() => this.#wakeNow());
        if (!step.retry) {
          log('%s: the retry policy gave up reading after %d failures', o.consumer, step.attempt);
          return;
        }
      }
    }
  }

  #sleep(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
  }

  #wakeNow(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** Claims, in order, every entry pending in the partitions taken since the last read. */
  async #claimAcquired(): Promise<JournalRecovery> {
    const records: RecoveredRecord[] = [];
    const setAside: SetAsideRecord[] = [];
    for (const index of [...this.#toClaim]) {
      const entries = await this.#claimPending(this.#options.streams[index] as string, 0);
      const taken = await this.#held.take(entries, true);
      records.push(...taken.records);
      setAside.push(...taken.setAside);
      this.#toClaim.delete(index);
    }
    if (records.length > 0) log('%s: claimed %d record(s)', this.#options.consumer, records.length);
    return { records, setAside };
  }

  /** Entries idle longer than `takeoverTimeout` in the partitions read, at most every half of it. */
  async #claimIdle(): Promise<JournalRecovery> {
    const o = this.#options;
    const now = o.scheduler.now();
    if (now < this.#nextIdleClaim) return { records: [], setAside: [] };
    this.#nextIdleClaim = now + Math.floor(o.takeoverTimeout / 2);
    const entries: StreamEntry[] = [];
    for (const index of o.leases.reading) {
      entries.push(...(await this.#claimPending(o.streams[index] as string, o.takeoverTimeout)));
    }
    if (entries.length > 0) log('%s: took over %d idle entries', o.consumer, entries.length);
    return this.#held.take(entries, true);
  }

  async #claimPending(stream: string, minIdle: number): Promise<StreamEntry[]> {
    const o = this.#options;
    const entries: StreamEntry[] = [];
    let cursor = '0-0';
    do {
      const reply = (await o.redis.xautoclaim(
        stream,
        o.group,
        o.consumer,
        minIdle,
        cursor,
        'COUNT',
        Math.max(100, o.readCount),
      )) as [string, unknown, unknown];
      cursor = reply[0];
      entries.push(...streamEntries([[stream, reply[1]]]));
    } while (cursor !== '0-0');
    return entries;
  }

  /** Hands what was taken to the queue; whether there was anything. */
  #hand(taken: JournalRecovery): boolean {
    const consumer = this.#consumer;
    if (consumer !== null) {
      if (taken.setAside.length > 0) consumer.setAside(taken.setAside);
      if (taken.records.length > 0) consumer.deliver(taken.records);
    }
    return taken.records.length > 0 || taken.setAside.length > 0;
  }

  #trimSafely(): void {
    if (this.#trimming || this.#closed) return;
    this.#trimming = true;
    const reading = this.#options.leases.reading.map(
      (index) => this.#options.streams[index] as string,
    );
    this.trim(reading)
      .then(
        (removed) => {
          if (removed > 0) log('trimmed %d entries', removed);
        },
        (cause: unknown) => this.#consumer?.error('trim the stream', cause),
      )
      .finally(() => {
        this.#trimming = false;
      });
  }
}
