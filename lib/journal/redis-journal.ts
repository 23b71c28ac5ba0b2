import createDebug from 'debug';
import type { Redis } from 'ioredis';
import type { Subscription } from 'rxjs';
import { describeCause } from '../describe.ts';
import type { Event } from '../events/event.ts';
import { disconnectRedis } from '../redis/disconnect-redis.ts';
import { connectRedis } from '../redis/redis-address.ts';
import { acknowledging } from './held-entries.ts';
import type {
  DeadLetter,
  JournalConsumer,
  JournalRecovery,
  SetAsideRecord,
  SharedJournal,
} from './journal.ts';
import { JournalClosedError, JournalIoError } from './journal-errors.ts';
import { PartitionLeases } from './partition-leases.ts';
import { execOrThrow } from './redis-commands.ts';
import { letterJson, RedisDeadLetters } from './redis-dead-letter.ts';
import { RedisGroupReader } from './redis-group-reader.ts';
import { RedisIntake } from './redis-intake.ts';
import {
  type RedisJournalOptions,
  type ResolvedRedisJournalOptions,
  resolveRedisJournalOptions,
} from './redis-journal-options.ts';
import {
  checkPartitionCount,
  createGroups,
  partitionStreams,
  storedPartitionCount,
  streamOfRecord,
} from './redis-partitions.ts';

const log = createDebug('batchwatch:journal:redis');

/** How long `close()` waits for Redis (the last commit, giving the leases back) before it disconnects. */
const CLOSE_WAIT_MS = 5_000;

/**
 * The distributed journal: a Redis stream, split into partitions by key,
 * read by consumer groups.
 *
 * ```
 *  producer ── XADD to the key's partition (one entry: up to entryEvents events) ──► S:p0 … S:pN-1
 *  consumer ── holds the leases of its share of the partitions (S:lease:G:i)
 *           ◄─ XREADGROUP its partitions (readCount entries each, then waits for their XACK)
 *           ── handler ok / dead-lettered ─► XACK (+ dead letter, one MULTI)
 *  dead consumer: its leases expire after takeoverTimeout ─► a live one takes the
 *  partitions and XAUTOCLAIMs what it left, before anything newer
 * ```
 *
 * Keys: see `redis-partitions.ts`.
 *
 * Guarantees: an appended event is in Redis (as Redis keeps it: its
 * persistence settings decide what survives a Redis restart) once `commit()`
 * resolved; an entry is acknowledged only after the handler succeeded with
 * it or it was dead-lettered; an entry whose consumer died is delivered
 * again, marked redelivered, to a live consumer of the group after
 * `takeoverTimeout` (at once to a consumer restarted under the same name).
 * Each entry goes to one consumer of a group at a time; every group sees
 * every entry. Order: the events of one key (type and container id or path)
 * are in one partition, which one consumer of a group reads at a time, in
 * stream order, and which the next one reads only after claiming what the
 * last one left: within a group they are handled in order and never at once
 * by two consumers (unless a consumer frozen longer than `takeoverTimeout`
 * wakes up in the middle of a handler). The stream is trimmed (XTRIM MINID)
 * only below the oldest entry some group has not acknowledged.
 *
 * Open it with {@link RedisJournal.open} (it connects, creates the group and
 * reads the checkpoints).
 *
 * @example
 * const journal = await RedisJournal.open({ redis: 'redis://redis:6379', group: 'reloader' });
 * const queue = new EventQueue({ journal, onFlush });
 */
export class RedisJournal implements SharedJournal, AsyncDisposable {
  readonly shared = true as const;
  readonly #options: ResolvedRedisJournalOptions;
  readonly #redis: Redis;
  /** Blocking reads get their own connection. */
  readonly #readerConnection: Redis;
  readonly #streams: readonly string[];
  readonly #reader: RedisGroupReader;
  /** Dead letters and records set aside. */
  readonly #letters: RedisDeadLetters;
  readonly #keys: { dead: string };
  /** Appends, commits and checkpoints. */
  readonly #intake: RedisIntake;
  #closed: Promise<void> | null = null;
  #consumer: JournalConsumer | null = null;

  private constructor(options: ResolvedRedisJournalOptions) {
    this.#options = options;
    const { stream, group, consumer, partitions } = options;
    this.#streams = partitionStreams(stream, partitions);
    this.#keys = { dead: `${stream}:dead:${group}` };
    this.#redis = connectRedis(options.redis, `batchwatch-journal-${consumer}`);
    this.#intake = new RedisIntake(
      this.#redis,
      options,
      this.#streams,
      `${stream}:checkpoints:${group}:${consumer}`,
    );
    this.#intake.onRetryFailed = (cause) => this.#consumer?.error('commit', cause);
    this.#readerConnection = connectRedis(options.redis, `batchwatch-journal-reader-${consumer}`);
    this.#reader = new RedisGroupReader({
      redis: this.#redis,
      reader: this.#readerConnection,
      leases: new PartitionLeases(this.#redis, {
        stream,
        group,
        consumer,
        partitions,
        ttl: options.takeoverTimeout,
      }),
      streams: this.#streams,
      group,
      consumer,
      aside: `${stream}:aside`,
      takeoverTimeout: options.takeoverTimeout,
      readCount: options.readCount,
      trimInterval: options.trimInterval,
      retry: options.retry,
      scheduler: options.scheduler,
      createGroups: () => createGroups(this.#redis, this.#streams, group),
    });
    this.#letters = new RedisDeadLetters(
      this.#redis,
      {
        streamOf: (record) => streamOfRecord(record, this.#streams),
        dead: this.#keys.dead,
        deadId: `${stream}:dead-id:${group}`,
        aside: `${stream}:aside`,
      },
      options.entryEvents,
    );
  }

  /**
   * Connects, checks the number of partitions, creates the group on each if
   * missing (at the start of what it holds: a new group sees every entry not
   * yet trimmed) and reads this consumer's checkpoints.
   *
   * @throws OptionsError for bad options; JournalIoError when Redis refuses,
   * or when the stream was made with another number of partitions.
   */
  static async open(options: RedisJournalOptions): Promise<RedisJournal> {
    const journal = new RedisJournal(resolveRedisJournalOptions(options));
    try {
      const { stream, partitions } = journal.#options;
      const stored = options.partitions ?? (await storedPartitionCount(journal.#redis, stream));
      if (stored !== null && stored !== partitions) {
        await journal.close();
        return await RedisJournal.open({ ...options, partitions: stored });
      }
      await checkPartitionCount(
        journal.#redis,
        journal.#options.stream,
        journal.#options.partitions,
      );
      await createGroups(journal.#redis, journal.#streams, journal.#options.group);
      await journal.#intake.load();
    } catch (cause) {
      await journal.close();
      throw new JournalIoError(`open the stream ${journal.#options.stream}`, cause);
    }
    log('opened %s, group %s, consumer %s', options.stream, options.group, options.consumer);
    return journal;
  }

  get commitWindow(): number {
    return this.#options.commitWindow;
  }

  /** The resolved options (the address's password included: never print them). */
  get options(): ResolvedRedisJournalOptions {
    return this.#options;
  }

  /** Every partition's stream key, by partition. */
  get streams(): readonly string[] {
    return this.#streams;
  }

  checkpoint(name: string): string | undefined {
    return this.#intake.checkpoint(name);
  }

  setCheckpoint(name: string, value: string): void {
    this.#intake.setCheckpoint(name, value);
  }

  /**
   * Buffers an event for its key's partition; it reaches the stream with the
   * next `commit()`. Positions are the consumer's: 0.
   *
   * @throws JournalFullError when `maxPending` events wait for Redis already
   * (Redis away or refusing writes): the event is not appended.
   */
  append(event: Event): number {
    if (this.#closed !== null) throw new JournalClosedError('append');
    this.#intake.append(event);
    return 0;
  }

  /**
   * Writes what was appended (entries of at most `entryEvents` events, in
   * each partition) and the checkpoints, in one MULTI. Commits run one after
   * the other, so a checkpoint never reaches Redis before the events appended
   * ahead of it. A commit Redis refuses (out of memory, a read-only replica)
   * loses nothing: its records and checkpoints go back in front of what comes
   * next, the returned promise rejects, and the journal commits again after
   * the `retry` policy's delay whether or not more is appended.
   */
  commit(): Promise<void> {
    return this.#intake.commit();
  }

  /**
   * Takes this consumer's share of the partitions and gives back what their
   * last holders left unacknowledged: its own entries after a restart under
   * the same name, a dead consumer's after `takeoverTimeout`.
   */
  recover(): Promise<JournalRecovery> {
    return this.#reader.recover();
  }

  consume(consumer: JournalConsumer): void {
    if (this.#consumer !== null || this.#closed !== null) return;
    this.#consumer = consumer;
    this.#reader.start(consumer);
  }

  markInFlight(_through: number): void {
    // Redis's pending entries lists already say which consumer holds what.
  }

  /** Counts a failed try on every entry held through `through` (kept in `P:tries:G`). */
  async markFailed(through: number): Promise<void> {
    const held = this.#reader.heldThrough(through, false);
    if (held.length === 0) return;
    const multi = this.#redis.multi();
    for (const { stream, id } of held) multi.hincrby(this.#reader.triesKey(stream), id, 1);
    await execOrThrow(multi);
  }

  async acknowledge(through: number): Promise<void> {
    const held = this.#reader.heldThrough(through, true);
    if (held.length > 0)
      await execOrThrow(
        acknowledging(this.#redis.multi(), held, this.#options.group, this.#reader),
      );
    this.#reader.wakeIfFree();
  }

  keepDeadLetter(events: readonly Event[], tries: number, cause: string): Promise<void> {
    return this.#letters.keep(events, tries, cause);
  }

  async deadLetter(
    through: number,
    batch: readonly Event[],
    tries: number,
    cause: string,
  ): Promise<void> {
    const id = await this.#letters.nextId();
    const held = this.#reader.heldThrough(through, true);
    const multi = this.#redis
      .multi()
      .hset(this.#keys.dead, String(id), letterJson(batch, tries, cause));
    await execOrThrow(acknowledging(multi, held, this.#options.group, this.#reader));
    this.#reader.wakeIfFree();
  }

  deadLetters(): Promise<readonly DeadLetter[]> {
    return this.#letters.list();
  }

  /** Appends the dead letter's records to the stream again (delivered to the group like new ones) and removes it. */
  replayDeadLetter(id: number): Promise<number> {
    return this.#letters.replay(id);
  }

  discardDeadLetter(id: number): Promise<boolean> {
    return this.#letters.discard(id);
  }

  /** The records set aside because they could not be decoded, oldest first. */
  setAside(): Promise<readonly SetAsideRecord[]> {
    return this.#letters.setAside();
  }

  /**
   * Trims every partition below the oldest entry some group has not
   * acknowledged (XTRIM MINID). Returns how many entries were removed. Each
   * consumer trims the partitions it reads every `trimInterval`.
   */
  trim(): Promise<number> {
    return this.#reader.trim();
  }

  /**
   * Commits what was appended, stops consuming, gives its partitions back
   * (what it held unacknowledged is claimed by their next reader) and
   * disconnects; with Redis away it waits for it at most 5 s. Idempotent: the
   * same promise every time.
   */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #close(): Promise<void> {
    this.#intake.stop();
    // Redis away: the last commit and the leases wait at most CLOSE_WAIT_MS, then the connection
    // closes (what was not committed was never acknowledged to anyone as durable).
    let timer: Subscription | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = this.#options.scheduler.schedule(() => resolve(), CLOSE_WAIT_MS);
    });
    await Promise.race([deadline, this.#closeGracefully()]);
    timer?.unsubscribe();
    if (this.#intake.pending > 0) {
      log('close: %d event(s) were never committed: Redis did not answer', this.#intake.pending);
    }
    await disconnectRedis(this.#readerConnection);
    await disconnectRedis(this.#redis);
  }

  async #closeGracefully(): Promise<void> {
    const reading = this.#reader.close();
    await disconnectRedis(this.#readerConnection);
    await reading;
    try {
      await this.commit();
    } catch (cause) {
      log('close: commit failed: %s', describeCause(cause));
    }
    if (this.#consumer !== null) {
      await this.#reader.releaseLeases().catch((cause: unknown) => {
        log('close: giving the leases back failed: %s', describeCause(cause));
      });
    }
  }
}
