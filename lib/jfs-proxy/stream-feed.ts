import createDebug from 'debug';
import type { Redis } from 'ioredis';
import type { SchedulerLike } from 'rxjs';
import { CHAIN_MAX_BYTES, type ChainMessage } from '../jfs-protocol/chain-message.ts';
import type { JfsEvent } from '../jfs-protocol/jfs-message.ts';
import { entryTime, type GapReason } from '../jfs-protocol/notify-stream.ts';
import { CommandBatch } from '../redis/command-batch.ts';
import { disconnectRedis } from '../redis/disconnect-redis.ts';
import { connectRedis, type RedisAddress } from '../redis/redis-address.ts';
import { ObservableFeed } from './feed-subjects.ts';
import type { ProxyFeed } from './proxy-feed.ts';
import { StreamChain } from './stream-chain.ts';
import { StreamEntryDecoder } from './stream-entry-decoder.ts';
import { idAtOrBefore } from './stream-ids.ts';
import {
  endOf,
  freshStreamLost,
  lookBack,
  readCommands,
  START_LOOKBACK_MS,
  type StreamPosition,
} from './stream-position.ts';

const log = createDebug('batchwatch:jfs-proxy');

/** Redis stream entries as ioredis returns them: `[id, [field, value, ...]]`. */
type Entries = [string, string[]][];
/** The same, read as Buffers (or from the chain): decoded by a {@link StreamEntryDecoder}. */
type RawEntries = (readonly [Buffer | string, readonly Buffer[]])[];
type XReadReply = [Buffer, RawEntries][] | null;

/** About how many changes one read should bring (entries carry one change, or a daemon's burst). */
const BATCH = 1000;
/**
 * Most bytes of entries one read asks for (estimated from the entries read
 * last): with the send queues' bound (the proxy pauses its feed while a
 * client's queue is full), what bounds the proxy's memory in a burst,
 * whatever the shape of the entries (one change each, or a daemon's burst).
 */
export const READ_BYTES = 256 * 1024;
/** Entries of the first read, before their size is known. */
const FIRST_COUNT = 16;
/** How long one blocking read waits, in ms: also how soon a close or a reconnection is noticed. */
const BLOCK_MS = 1000;

/**
 * Reads the change stream from its last entry id on a dedicated Redis
 * connection, and resumes from that id after any reconnection, so that a
 * dropped connection loses nothing Redis kept. What it cannot prove empty is
 * a gap (on Redis 7.0, where XREAD never reports trimming): the last id is
 * no longer in the stream (`XRANGE key id id`, checked in the same MULTI as
 * each read), or Redis's `run_id` changed (it restarted), or a daemon marked
 * one. After a gap it moves to the end of the stream. With a chain channel
 * (see {@link StreamChain}), a feed that has caught up takes the next
 * entries from there while they follow its last one, and reads no more.
 */
export class StreamFeed extends ObservableFeed implements ProxyFeed {
  readonly #redis: Redis;
  readonly #batch: CommandBatch; // the reads: their replies die young (see CommandBatch)
  readonly #key: string;
  readonly #scheduler: SchedulerLike;
  // Where the feed reads from (see StreamPosition).
  #last = '0-0';
  #fresh = true;
  #baseAdded = 0;
  #runId = '';
  /** Bumped on every (re)connection; a read begun under another generation is discarded. */
  #generation = 0;
  #proven = -1;
  #closed = false;
  #lagMs = 0;
  /** The last read brought as many entries as it asked for: newer ones may wait. */
  #behind = false;
  /** The COUNT of the read in progress. */
  #readCount = FIRST_COUNT;
  readonly #decoder = new StreamEntryDecoder();
  /** Entries per read: about BATCH changes and at most READ_BYTES, at the size of the entries read last. */
  #count = FIRST_COUNT;
  readonly #done: Promise<void>;
  readonly #lookbackMs: number;
  /** Set while paused: the loop waits on it before its next read. */
  #paused: { readonly promise: Promise<void>; readonly resolve: () => void } | null = null;
  /** While replaying the look-back: the newest entry when the feed was positioned. */
  #replayUntil: string | null = null;
  readonly #chain: StreamChain | undefined;
  #repositioning = false;
  /** The chain gave entries during the read in progress: its reply may hold them again. */
  #chainedDuringRead = false;
  /** The newest entry read is small enough to be on the chain (a larger one is not waited for). */
  #newestChained = false;

  /**
   * `scheduler` times the pause after a failed read. `lookbackMs`: how far
   * before now (Redis's clock; see `lookBackFrom`) the feed starts reading
   * when it is first positioned, default {@link START_LOOKBACK_MS}.
   * `chain`: the channel where the stream's writers chain their entries
   * (`NotifyNames.chain`), if they do.
   */
  constructor(
    address: RedisAddress,
    name: string,
    key: string,
    scheduler: SchedulerLike,
    { lookbackMs = START_LOOKBACK_MS, chain }: { lookbackMs?: number; chain?: string } = {},
  ) {
    super(() => scheduler.now());
    this.#key = key;
    this.#scheduler = scheduler;
    this.#lookbackMs = lookbackMs;
    this.#redis = connectRedis(address, name);
    this.#batch = new CommandBatch(this.#redis);
    this.#redis.on('ready', () => {
      this.#generation++;
      this.#chain?.wake();
    });
    let lastError = new Error('the connection to Redis was lost');
    this.#redis.on('reconnecting', (delayMs: number) => this.out.reconnecting(delayMs, lastError));
    this.#redis.on('error', (err: Error) => {
      lastError = err;
      log('redis (stream): %s', err.message);
    });
    const take = (entry: ChainMessage): boolean => this.#chained(entry);
    const chainName = `${name}-chain`;
    this.#chain = chain ? new StreamChain(address, chainName, chain, scheduler, take) : undefined;
    this.#done = this.#loop();
  }

  /**
   * How far the feed is behind the stream, in ms of entry ids (Redis's clock alone): 0 when the
   * last read reached the newest entry; measured at the next read when it did not.
   */
  get lagMs(): number {
    return this.#lagMs;
  }

  /** The id of the last entry read. */
  get position(): string {
    return this.#last;
  }

  pause(): void {
    if (this.#paused !== null) return;
    let resolve = (): void => {};
    const promise = new Promise<void>((done) => {
      resolve = done;
    });
    this.#paused = { promise, resolve };
    // The chain is still read while paused (nothing left waiting in Redis), but nothing is taken.
    this.#chain?.wake();
  }

  resume(): void {
    const paused = this.#paused;
    this.#paused = null;
    paused?.resolve();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.resume();
    await this.#chain?.close();
    // A command queued while Redis was away never settles once ioredis is told to stop: the loop
    // is then left waiting on it (no socket, no timer), and the feed is closed all the same.
    await disconnectRedis(this.#redis);
    if (this.#redis.status === 'end') await this.#done;
    this.out.close();
  }

  async #loop(): Promise<void> {
    while (!this.#closed) {
      try {
        const generation = this.#generation;
        if (generation !== this.#proven) {
          await this.#prove();
          this.#proven = generation;
          if (generation === this.#generation) this.out.ready();
          continue;
        }
        if (this.#paused !== null) {
          await this.#paused.promise;
          continue;
        }
        const entries = await this.#read();
        // Read across a reconnection: Redis may have restarted in between; prove again first.
        if (this.#closed || generation !== this.#generation) continue;
        this.#process(entries, false);
        // Caught up: the next entries come from the chain while its writers chain them.
        if (this.#chain && this.#newestChained && !this.#behind && this.#paused === null) {
          await this.#chain.park(this.#last, BLOCK_MS);
        }
      } catch (err) {
        if (this.#closed) return;
        log('stream read failed: %s', (err as Error).message);
        await new Promise<void>((resolve) => this.#scheduler.schedule(() => resolve(), 100));
      }
    }
  }

  /** After each (re)connection: the same Redis (`run_id`)? If not, a gap. */
  async #prove(): Promise<void> {
    const info = await this.#redis.info('server');
    const runId = /run_id:(\w+)/.exec(info)?.[1] ?? '';
    if (this.#runId === '') {
      this.#runId = runId;
      this.#position(await endOf(this.#redis, this.#key));
      await this.#lookBack();
      log('stream %s: reading after %s', this.#key, this.#last);
    } else if (runId !== this.#runId) {
      this.#runId = runId;
      this.#position(await endOf(this.#redis, this.#key));
      this.#gap('redis-restart');
    }
  }

  /** Moves after the newest entry and tells of the gap (the chain is not taken meanwhile). */
  async #reposition(reason: GapReason): Promise<RawEntries> {
    this.#repositioning = true; // until the next read
    this.#position(await endOf(this.#redis, this.#key));
    this.#gap(reason);
    return [];
  }

  /** Moves to `position` (after the newest entry: {@link endOf}). */
  #position(position: StreamPosition): void {
    ({ last: this.#last, fresh: this.#fresh, baseAdded: this.#baseAdded } = position);
  }

  /** After the first positioning: back by `#lookbackMs` (see {@link lookBack}). */
  async #lookBack(): Promise<void> {
    if (this.#fresh || this.#lookbackMs <= 0) return;
    const end = { last: this.#last, fresh: false, baseAdded: this.#baseAdded };
    this.#position(await lookBack(this.#redis, this.#key, end, this.#lookbackMs));
    // Markers up to the newest entry are older than this proxy: what they mark is not owed.
    this.#replayUntil = end.last;
  }

  /**
   * The entries after `#last`, waiting up to BLOCK_MS for one, in ONE round
   * trip whose proof comes after the read: `XREAD ... BLOCK`, then `XRANGE
   * last last` (one write, as a pipeline, on the same connection: Redis runs it right after the
   * read returns, and sends both replies together; only whether it is there counts: it stays
   * bytes). Trimming removes the oldest entries first, so while the entry read from is still
   * there, nothing between it and what was read is gone. At rest: one wake-up, one reply.
   */
  async #read(): Promise<RawEntries> {
    const from = this.#last;
    const fresh = this.#fresh;
    const behind = this.#behind;
    this.#readCount = this.#count;
    this.#chainedDuringRead = false;
    this.#repositioning = false;
    const commands = readCommands(this.#key, from, fresh, this.#count, BLOCK_MS, behind);
    const replies = await this.#batch.send(commands);
    const [first, second, newest] = replies;
    const [check, read] = (fresh ? [first, second] : [second, first]) as [
      [Error | null, unknown],
      [Error | null, XReadReply],
    ];
    // An id Redis cannot read from (none this feed could hold, but be sure): never stuck on it.
    if (read[0]?.message.includes('Invalid stream ID')) return this.#reposition('trimmed');
    if (read[0] !== null) throw read[0];
    if (behind) {
      const id = (newest?.[1] as Entries | undefined)?.[0]?.[0];
      this.#lagMs = id === undefined ? 0 : Math.max(0, entryTime(id) - entryTime(from));
    }
    if (
      fresh ? freshStreamLost(check, this.#baseAdded) : (check[1] as Entries | null)?.length === 0
    ) {
      return this.#reposition('trimmed');
    }
    if (!fresh && check[0] !== null) throw check[0];
    return read[1]?.[0]?.[1] ?? [];
  }

  /** An entry from the chain: taken when it follows the last one held, else the stream is read. */
  #chained(entry: ChainMessage): boolean {
    // Proven on this connection (not while it is away: Redis may have restarted), and reading.
    const proven = this.#proven === this.#generation && this.#redis.status === 'ready';
    const reading = !this.#closed && !this.#repositioning && !this.#paused && !this.#replayUntil;
    if (proven && reading && entry.prev === this.#last && !idAtOrBefore(entry.id, this.#last)) {
      this.#chainedDuringRead = true;
      this.#process([[entry.id, entry.fields]], true);
      return true;
    }
    // Anything else but the last entry again (read meanwhile) is not proven: read the stream.
    if (entry.id !== this.#last) this.#chain?.wake();
    return false;
  }

  /** `chained`: one entry from the chain (a read's size and lag are not learned from it). */
  #process(entries: RawEntries, chained: boolean): void {
    let events: JfsEvent[] = [];
    let invalid = 0;
    let changes = 0;
    let bytes = 0;
    let newest: Buffer | string | undefined;
    let beforeNewest = 0;
    for (const [id, fields] of entries) {
      // Taken from the chain while this read was on its way.
      if (this.#chainedDuringRead && !chained && idAtOrBefore(id.toString(), this.#last)) continue;
      newest = id;
      beforeNewest = bytes;
      for (const field of fields) bytes += field.length;
      const entry = this.#decoder.decode(fields);
      if (entry.kind === 'event') events.push(entry.event);
      else if (entry.kind === 'events') {
        for (const event of entry.events) events.push(event);
        changes += entry.events.length - 1;
        invalid += entry.invalid;
      } else if (entry.kind === 'invalid') invalid++;
      else if (this.#replayUntil !== null && idAtOrBefore(id.toString(), this.#replayUntil)) {
        continue; // A marker of the look-back: older than this proxy, what it marks is not owed.
      } else {
        this.#last = id.toString();
        this.#fresh = false;
        if (events.length > 0) this.out.events(events);
        events = [];
        this.#gap(entry.reason);
      }
      changes++;
    }
    if (newest === undefined) return;
    this.#last = newest.toString();
    this.#fresh = false;
    // Past the look-back (markers are owed again, the chain may be taken).
    if (this.#replayUntil !== null && !idAtOrBefore(this.#last, this.#replayUntil)) {
      this.#replayUntil = null;
    }
    if (!chained) {
      // The next read: about BATCH changes, and at most READ_BYTES, at the size of these entries.
      const byChanges = Math.round((BATCH * entries.length) / Math.max(1, changes));
      const byBytes = Math.floor((READ_BYTES * entries.length) / Math.max(1, bytes));
      this.#count = Math.max(1, Math.min(BATCH, byChanges, byBytes));
      // A read that brought less than it asked for reached the newest entry: no lag.
      this.#behind = entries.length >= this.#readCount;
      if (!this.#behind) this.#lagMs = 0;
      this.#newestChained = bytes - beforeNewest <= CHAIN_MAX_BYTES;
    }
    if (events.length > 0) this.out.events(events);
    if (invalid > 0) this.out.invalid(invalid);
  }

  #gap(reason: GapReason): void {
    log('stream %s: gap (%s); now after %s', this.#key, reason, this.#last);
    this.out.gap(reason);
  }
}
