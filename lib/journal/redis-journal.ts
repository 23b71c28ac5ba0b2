import createDebug from 'debug';
import type { Redis } from 'ioredis';
import { describeCause } from '../describe.ts';
import type { Event } from '../events/event.ts';
import { disconnectRedis } from '../redis/disconnect-redis.ts';
import { connectRedis, DEFAULT_REDIS_RETRY } from '../redis/redis-address.ts';
import { encodeEvent } from './event-codec.ts';
import type {
  DeadLetter,
  JournalConsumer,
  JournalRecovery,
  RecoveredRecord,
  SetAsideRecord,
  SharedJournal,
} from './journal.ts';
import { JournalClosedError, JournalIoError } from './journal-errors.ts';
import { execOrThrow, trimFloor } from './redis-commands.ts';
import { letterJson, RedisDeadLetters } from './redis-dead-letter.ts';
import {
  type RedisJournalOptions,
  type ResolvedRedisJournalOptions,
  resolveRedisJournalOptions,
} from './redis-journal-options.ts';
import { type StreamEntry, streamEntries } from './stream-entries.ts';
import { tryDecode } from './try-decode.ts';

const log = createDebug('batchwatch:journal:redis');

/** An entry this consumer holds: delivered to its queue, not acknowledged yet. */
interface Held {
  readonly position: number;
  readonly id: string;
}

/**
 * The distributed journal: a Redis stream read by consumer groups.
 *
 * ```
 *  producer ── XADD (one entry: up to entryEvents encoded events) ──► stream
 *  consumer ◄─ XREADGROUP (readCount entries, then waits for their XACK)
 *           ── handler ok / dead-lettered ─► XACK (+ dead letter, one MULTI)
 *  dead consumer's entries, idle > takeoverTimeout ─► XAUTOCLAIM by a live one
 * ```
 *
 * Keys (`S` the stream, `G` the group): `S` the entries; `S:dead:G` the
 * dead letters (a hash id → letter) and `S:dead-id:G` their counter;
 * `S:tries:G` failed tries per entry; `S:aside` records that could not be
 * decoded; `S:checkpoints:G:C` the source checkpoints of consumer `C` (its
 * sources resume from them when it restarts under the same name).
 *
 * Guarantees: an appended event is in Redis (as Redis keeps it: its
 * persistence settings decide what survives a Redis restart) once `commit()`
 * resolved; an entry is acknowledged only after the handler succeeded with
 * it or it was dead-lettered; an entry whose consumer died is delivered
 * again, marked redelivered, to a live consumer of the group after
 * `takeoverTimeout` (at once to a consumer restarted under the same name).
 * Each entry goes to one consumer of a group at a time; every group sees
 * every entry. Order: a consumer gets entries in stream order, and the
 * events of one commit (one intake turn) stay together in order; across
 * several consumers of one group, two entries holding events of the same key
 * may be handled at the same time by two consumers. The stream is trimmed
 * (XTRIM MINID) only below the oldest entry some group has not acknowledged.
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
  readonly #reader: Redis;
  /** Dead letters and records set aside. */
  readonly #letters: RedisDeadLetters;
  readonly #keys: {
    dead: string;
    deadId: string;
    tries: string;
    aside: string;
    checkpoints: string;
  };
  #appended: string[] = [];
  readonly #checkpoints = new Map<string, string>();
  readonly #dirtyCheckpoints = new Set<string>();
  #held: Held[] = [];
  #nextPosition = 1;
  #consumer: JournalConsumer | null = null;
  #wake: (() => void) | null = null;
  #closed: Promise<void> | null = null;
  #loop: Promise<void> = Promise.resolve();
  #renewTimer: NodeJS.Timeout | null = null;
  #trimTimer: NodeJS.Timeout | null = null;
  #checkpointTimer: NodeJS.Timeout | null = null;
  #committing: Promise<void> = Promise.resolve();
  #commitRetry: NodeJS.Timeout | null = null;
  #commitFailures = 0;
  #claimCursor = '0-0';
  #nextClaim = 0;

  private constructor(options: ResolvedRedisJournalOptions) {
    this.#options = options;
    const { stream, group, consumer } = options;
    this.#keys = {
      dead: `${stream}:dead:${group}`,
      deadId: `${stream}:dead-id:${group}`,
      tries: `${stream}:tries:${group}`,
      aside: `${stream}:aside`,
      checkpoints: `${stream}:checkpoints:${group}:${consumer}`,
    };
    this.#redis = connectRedis(options.redis, `batchwatch-journal-${consumer}`);
    this.#reader = connectRedis(options.redis, `batchwatch-journal-reader-${consumer}`);
    this.#letters = new RedisDeadLetters(
      this.#redis,
      { stream, dead: this.#keys.dead, deadId: this.#keys.deadId, aside: this.#keys.aside },
      options.entryEvents,
    );
  }

  /**
   * Connects, creates the group if missing (at the start of what the stream
   * holds: a new group sees every entry not yet trimmed) and reads this
   * consumer's checkpoints.
   *
   * @throws OptionsError for bad options; JournalIoError when Redis refuses.
   */
  static async open(options: RedisJournalOptions): Promise<RedisJournal> {
    const journal = new RedisJournal(resolveRedisJournalOptions(options));
    try {
      await journal.#createGroup();
      const saved = await journal.#redis.hgetall(journal.#keys.checkpoints);
      for (const [name, value] of Object.entries(saved)) journal.#checkpoints.set(name, value);
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

  checkpoint(name: string): string | undefined {
    return this.#checkpoints.get(name);
  }

  setCheckpoint(name: string, value: string): void {
    this.#checkpoints.set(name, value);
    this.#dirtyCheckpoints.add(name);
    // A checkpoint no append comes to commit is committed on its own within the commit window;
    // the MULTI carries every append made before it, so it is never ahead of the stream.
    if (this.#checkpointTimer === null && this.#closed === null) {
      this.#checkpointTimer = setTimeout(() => {
        this.#checkpointTimer = null;
        this.commit().catch((cause: unknown) => {
          log('committing checkpoints failed: %s', describeCause(cause));
        });
      }, this.#options.commitWindow);
      this.#checkpointTimer.unref();
    }
  }

  /** Buffers an event; it reaches the stream with the next `commit()`. Positions are the consumer's: 0. */
  append(event: Event): number {
    if (this.#closed !== null) throw new JournalClosedError('append');
    this.#appended.push(encodeEvent(event));
    return 0;
  }

  /**
   * Writes what was appended (entries of at most `entryEvents` events) and the
   * checkpoints, in one MULTI. Commits run one after the other, so a checkpoint
   * never reaches Redis before the events appended ahead of it. A commit Redis
   * refuses (out of memory, a read-only replica) loses nothing: its records and
   * checkpoints go back in front of what comes next, the returned promise
   * rejects, and the journal commits again after a backoff (DEFAULT_REDIS_RETRY)
   * whether or not more is appended.
   */
  commit(): Promise<void> {
    const run = this.#committing.then(() => this.#commitNow());
    this.#committing = run.catch(() => undefined);
    return run;
  }

  async #commitNow(): Promise<void> {
    if (this.#appended.length === 0 && this.#dirtyCheckpoints.size === 0) return;
    const appended = this.#appended;
    this.#appended = [];
    const names = [...this.#dirtyCheckpoints];
    this.#dirtyCheckpoints.clear();
    const multi = this.#redis.multi();
    const size = this.#options.entryEvents;
    for (let i = 0; i < appended.length; i += size) {
      const fields: string[] = [];
      for (const record of appended.slice(i, i + size)) fields.push('e', record);
      multi.xadd(this.#options.stream, '*', ...fields);
    }
    if (names.length > 0) {
      multi.hset(
        this.#keys.checkpoints,
        ...names.flatMap((name) => [name, this.#checkpoints.get(name) as string]),
      );
    }
    try {
      await execOrThrow(multi);
      this.#commitFailures = 0;
    } catch (cause) {
      this.#appended = appended.concat(this.#appended);
      for (const name of names) this.#dirtyCheckpoints.add(name);
      this.#retryCommit();
      throw cause;
    }
  }

  #retryCommit(): void {
    if (this.#commitRetry !== null || this.#closed !== null) return;
    const delay = DEFAULT_REDIS_RETRY(++this.#commitFailures) ?? 2_000;
    log('commit refused (%d in a row): retrying in %d ms', this.#commitFailures, delay);
    this.#commitRetry = setTimeout(() => {
      this.#commitRetry = null;
      this.commit().catch((cause: unknown) => this.#consumer?.error('commit', cause));
    }, delay);
    this.#commitRetry.unref();
  }

  /** This consumer's own entries not acknowledged before a restart (same consumer name). */
  async recover(): Promise<JournalRecovery> {
    const records: RecoveredRecord[] = [];
    const setAside: SetAsideRecord[] = [];
    let after = '0-0';
    for (;;) {
      const reply = (await this.#redis.xreadgroup(
        'GROUP',
        this.#options.group,
        this.#options.consumer,
        'COUNT',
        1000,
        'STREAMS',
        this.#options.stream,
        after,
      )) as unknown;
      const entries = streamEntries(reply);
      if (entries.length === 0) break;
      after = (entries.at(-1) as StreamEntry).id;
      const taken = await this.#take(entries, true);
      records.push(...taken.records);
      setAside.push(...taken.setAside);
    }
    if (records.length > 0)
      log('recovered %d record(s) of %s', records.length, this.#options.consumer);
    return { records, setAside };
  }

  consume(consumer: JournalConsumer): void {
    if (this.#consumer !== null || this.#closed !== null) return;
    this.#consumer = consumer;
    const renewEvery = Math.max(10, Math.floor(this.#options.takeoverTimeout / 3));
    this.#renewTimer = setInterval(() => this.#renew(), renewEvery);
    this.#trimTimer = setInterval(() => this.#trimSafely(), this.#options.trimInterval);
    this.#loop = this.#run();
  }

  markInFlight(_through: number): void {
    // Redis's pending entries list already says which consumer holds what.
  }

  /** Counts a failed try on every entry held through `through` (kept in `S:tries:G`). */
  async markFailed(through: number): Promise<void> {
    const ids = this.#heldThrough(through, false);
    if (ids.length === 0) return;
    const multi = this.#redis.multi();
    for (const id of ids) multi.hincrby(this.#keys.tries, id, 1);
    await execOrThrow(multi);
  }

  async acknowledge(through: number): Promise<void> {
    const ids = this.#heldThrough(through, true);
    if (ids.length > 0) {
      await execOrThrow(
        this.#redis
          .multi()
          .xack(this.#options.stream, this.#options.group, ...ids)
          .hdel(this.#keys.tries, ...ids),
      );
    }
    this.#wakeIfFree();
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
    const ids = this.#heldThrough(through, true);
    const multi = this.#redis
      .multi()
      .hset(this.#keys.dead, String(id), letterJson(batch, tries, cause));
    if (ids.length > 0) {
      multi.xack(this.#options.stream, this.#options.group, ...ids).hdel(this.#keys.tries, ...ids);
    }
    await execOrThrow(multi);
    this.#wakeIfFree();
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
   * Trims the stream below the oldest entry some group has not acknowledged
   * (XTRIM MINID). Returns how many entries were removed. Runs every
   * `trimInterval` while consuming.
   */
  async trim(): Promise<number> {
    const floor = await trimFloor(this.#redis, this.#options.stream);
    if (floor === null) return 0;
    return Number(await this.#redis.xtrim(this.#options.stream, 'MINID', floor));
  }

  /** Commits what was appended, stops consuming and disconnects. Idempotent: the same promise every time. */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #close(): Promise<void> {
    if (this.#renewTimer !== null) clearInterval(this.#renewTimer);
    if (this.#trimTimer !== null) clearInterval(this.#trimTimer);
    if (this.#checkpointTimer !== null) clearTimeout(this.#checkpointTimer);
    if (this.#commitRetry !== null) clearTimeout(this.#commitRetry);
    this.#wake?.();
    await disconnectRedis(this.#reader);
    await this.#loop;
    try {
      await this.commit();
    } catch (cause) {
      log('close: commit failed: %s', describeCause(cause));
    }
    await disconnectRedis(this.#redis);
  }

  async #createGroup(): Promise<void> {
    try {
      await this.#redis.xgroup(
        'CREATE',
        this.#options.stream,
        this.#options.group,
        '0',
        'MKSTREAM',
      );
    } catch (cause) {
      if (!(cause instanceof Error && cause.message.startsWith('BUSYGROUP'))) throw cause;
    }
  }

  /** Reads while open: taken-over entries first, then new ones; each read waits until the last is acknowledged. */
  async #run(): Promise<void> {
    let failures = 0;
    while (this.#closed === null) {
      if (this.#held.length > 0) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        this.#wake = null;
        continue;
      }
      try {
        const claimed = await this.#claim();
        if (claimed) continue;
        const block = Math.min(2_000, Math.max(10, Math.floor(this.#options.takeoverTimeout / 2)));
        const reply = (await this.#reader.xreadgroup(
          'GROUP',
          this.#options.group,
          this.#options.consumer,
          'COUNT',
          this.#options.readCount,
          'BLOCK',
          block,
          'STREAMS',
          this.#options.stream,
          '>',
        )) as unknown;
        if (this.#closed !== null) break;
        this.#hand(await this.#take(streamEntries(reply), false));
        failures = 0;
      } catch (cause) {
        if (this.#closed !== null) break;
        if (cause instanceof Error && cause.message.startsWith('NOGROUP')) {
          await this.#createGroup().catch(() => undefined);
        }
        this.#consumer?.error('read the stream', cause);
        failures++;
        await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 50 * 2 ** failures)));
      }
    }
  }

  /** Takes over entries idle longer than `takeoverTimeout`, at most every half of it. */
  async #claim(): Promise<boolean> {
    const now = Date.now();
    if (now < this.#nextClaim) return false;
    const reply = (await this.#redis.xautoclaim(
      this.#options.stream,
      this.#options.group,
      this.#options.consumer,
      this.#options.takeoverTimeout,
      this.#claimCursor,
      'COUNT',
      this.#options.readCount,
    )) as [string, unknown, unknown];
    this.#claimCursor = reply[0];
    if (reply[0] === '0-0') this.#nextClaim = now + Math.floor(this.#options.takeoverTimeout / 2);
    const entries = streamEntries([[this.#options.stream, reply[1]]]);
    if (entries.length === 0) return false;
    log('took over %d entries', entries.length);
    this.#hand(await this.#take(entries, true));
    return true;
  }

  #hand(taken: JournalRecovery): void {
    const consumer = this.#consumer;
    if (consumer === null) return;
    if (taken.setAside.length > 0) consumer.setAside(taken.setAside);
    if (taken.records.length > 0) consumer.deliver(taken.records);
  }

  /**
   * Decodes entries into records with new positions and holds them; a record
   * that cannot be decoded is set aside (`S:aside`); an entry with nothing to
   * deliver (trimmed, or all set aside) is acknowledged at once.
   */
  async #take(entries: readonly StreamEntry[], redelivered: boolean): Promise<JournalRecovery> {
    const records: RecoveredRecord[] = [];
    const setAside: SetAsideRecord[] = [];
    const empty: string[] = [];
    const aside = this.#redis.multi();
    const tries = redelivered
      ? await this.#redis.hmget(this.#keys.tries, ...entries.map((e) => e.id))
      : [];
    entries.forEach((entry, index) => {
      const position = this.#nextPosition++;
      const before = records.length;
      for (const [field, values] of entry.fields) {
        for (const record of values) {
          const decoded = field === 'e' ? tryDecode(record) : `an unknown field "${field}"`;
          if (typeof decoded !== 'string') {
            records.push({
              position,
              event: decoded,
              delivered: redelivered,
              tries: Number(tries[index] ?? 0),
            });
          } else {
            const reason = decoded;
            setAside.push({ position, record, reason });
            aside.xadd(
              this.#keys.aside,
              '*',
              'entry',
              entry.id,
              'group',
              this.#options.group,
              'record',
              record,
              'reason',
              reason,
            );
          }
        }
      }
      if (records.length === before) empty.push(entry.id);
      else this.#held.push({ position, id: entry.id });
    });
    if (empty.length > 0) aside.xack(this.#options.stream, this.#options.group, ...empty);
    if (setAside.length > 0 || empty.length > 0) await execOrThrow(aside);
    else aside.discard();
    return { records, setAside };
  }

  /** The held entries through `through`; released from the held list when `release`. */
  #heldThrough(through: number, release: boolean): string[] {
    let count = 0;
    while (count < this.#held.length && (this.#held[count] as Held).position <= through) count++;
    const ids = this.#held.slice(0, count).map((held) => held.id);
    if (release) this.#held = this.#held.slice(count);
    return ids;
  }

  #wakeIfFree(): void {
    if (this.#held.length === 0) this.#wake?.();
  }

  /** Keeps the held entries from being taken over: XCLAIM JUSTID resets their idle time. */
  #renew(): void {
    if (this.#held.length === 0) return;
    const ids = this.#held.map((held) => held.id);
    this.#redis
      .xclaim(
        this.#options.stream,
        this.#options.group,
        this.#options.consumer,
        0,
        ...ids,
        'JUSTID',
      )
      .catch((cause: unknown) => this.#consumer?.error('renew held entries', cause));
  }

  #trimSafely(): void {
    this.trim().then(
      (removed) => {
        if (removed > 0) log('trimmed %d entries', removed);
      },
      (cause: unknown) => this.#consumer?.error('trim the stream', cause),
    );
  }
}
