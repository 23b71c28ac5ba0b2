import type { SchedulerLike, Subscription } from 'rxjs';
import type { RetryPolicy } from '../backoff.ts';
import type { JfsEvent } from '../jfs-protocol/jfs-message.ts';
import { formatNotifyMessage } from '../jfs-protocol/notify-message.ts';
import { batchFields, eventFields, markerFields } from '../jfs-protocol/notify-stream.ts';
import { atMost } from './at-most.ts';
import type { ChangeFeed, FeedRecord } from './change-feed.ts';

/** Most changes in one stream entry. */
const ENTRY_CHANGES = 1000;

/** How a {@link ChangeOutbox} writes. */
export interface ChangeOutboxOptions {
  /** The daemon's name in its markers (`<hostname>-<pid>`). */
  readonly daemonId: string;
  /**
   * Changes kept waiting while the feed is away or refuses writes; beyond,
   * the oldest are dropped (and the gap marked). The one write in flight
   * holds at most as many again.
   */
  readonly maxBacklog: number;
  /** Where the retry delays and the close timeout run (and the batching turn, without `turn`). */
  readonly scheduler: SchedulerLike;
  /**
   * Where the batching turn runs: the changes pushed before it are one
   * write. Default `scheduler`. The daemon's default is a microtask (rxjs
   * `asapScheduler`): the changes of one read of the watcher, or of one
   * timer, are pushed synchronously, so they are still one write, and a
   * change at rest costs no timer of its own.
   */
  readonly turn?: SchedulerLike;
  /** The delay before writing again after write number `attempt` failed (`null`: the policy's last delay again). */
  readonly retry: RetryPolicy;
  /** The first drop of an outage. */
  readonly overflowing: () => void;
  /** The first failed write since the last one that succeeded (`attempt` 1), then each retry's. */
  readonly failed: (error: Error, attempt: number, delayMs: number) => void;
  /** A write succeeded after one or more failed. */
  readonly recovered: () => void;
}

/**
 * The daemon's writing side: the changes of one scheduler turn become one
 * stream entry (up to 1,000; readers pay per entry) and each change one
 * pub/sub message holding that ONE event (Go's format: a Go proxy reads only
 * up to the first non-Write event of a message), written in one round trip
 * that Redis applies whole or not at all (`ChangeFeed.write`). One write is
 * in flight at a time; a refused one (Redis out of memory, say) is kept in
 * front of what came since and written again after a delay, in order, so a
 * change is counted `published` only once Redis took it. What the backlog
 * cannot hold is dropped, oldest first, and the daemon's gaps go into the
 * stream as markers, in the same write as what follows them: `daemon-start`
 * first, `daemon-overflow` before what was kept after the backlog overflowed.
 *
 * ```
 *  push ─► waiting ──(ready, nothing in flight)──► in flight ──ok──► published
 *            ▲  (bound: oldest dropped, marked)        │
 *            └──────── refused: back in front, retry ◄─┘
 * ```
 */
export class ChangeOutbox {
  readonly #feed: ChangeFeed;
  readonly #options: ChangeOutboxOptions;
  readonly #status: Subscription;
  #waiting: JfsEvent[] = [];
  #inFlight: Promise<void> | null = null;
  #scheduled: Subscription | null = null;
  #retry: Subscription | null = null;
  /** Failed writes in a row. */
  #failures = 0;
  #ready = false;
  #started = false;
  #overflowed = false;
  /** The overflow warning of this outage was given. */
  #warned = false;
  /** close() began: no new write starts but its last one. */
  #closing = false;
  #closed = false;
  #onMarked: () => void = () => {};
  /** Resolves once the start marker is written. */
  readonly marked = new Promise<void>((resolve) => {
    this.#onMarked = resolve;
  });
  /** Changes Redis accepted (each one entry and one message), and dropped by the backlog bound. */
  readonly counters = { published: 0, dropped: 0 };

  constructor(feed: ChangeFeed, options: ChangeOutboxOptions) {
    this.#feed = feed;
    this.#options = options;
    // Kept until the feed is (back) up; its 'ready' writes the start marker and the backlog.
    this.#status = feed.status$.subscribe((status) => {
      this.#ready = status.kind === 'ready';
      if (this.#ready) this.#flush();
    });
  }

  /** Changes waiting for the feed (not counting the write in flight). */
  get pending(): number {
    return this.#waiting.length;
  }

  push(event: JfsEvent): void {
    if (this.#closed) return;
    this.#waiting.push(event);
    this.#bound();
    // One round trip per burst: everything that changed within this turn.
    if (this.#scheduled !== null) return;
    let ran = false;
    const scheduled = (this.#options.turn ?? this.#options.scheduler).schedule(() => {
      ran = true;
      this.#scheduled = null;
      this.#flush();
    });
    // A synchronous scheduler (queueScheduler) has already flushed: nothing is pending.
    if (!ran) this.#scheduled = scheduled;
  }

  /** Writes what is pending (at most a second's wait), then stops. Idempotent. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#scheduled?.unsubscribe();
    this.#scheduled = null;
    this.#retry?.unsubscribe();
    this.#retry = null;
    this.#status.unsubscribe();
    const last = async (): Promise<void> => {
      await this.#inFlight;
      if (this.#waiting.length > 0 && this.#ready) await this.#send();
    };
    if (this.#ready || this.#inFlight !== null) {
      await atMost(last(), 1000, this.#options.scheduler);
    }
    this.#closed = true;
    this.#waiting = [];
  }

  /** Drops the oldest waiting changes beyond the bound; the next write marks the gap. */
  #bound(): void {
    const over = this.#waiting.length - this.#options.maxBacklog;
    if (over <= 0) return;
    this.#waiting.splice(0, over);
    this.counters.dropped += over;
    this.#overflowed = true;
    if (!this.#warned) this.#options.overflowing();
    this.#warned = true;
  }

  #flush(): void {
    if (this.#closing || !this.#ready || this.#inFlight !== null || this.#retry !== null) return;
    if (this.#started && this.#waiting.length === 0) return;
    void this.#send();
  }

  /** Writes the markers due and every waiting change; settles when Redis answered (never rejects). */
  #send(): Promise<void> {
    const changes = this.#waiting;
    this.#waiting = [];
    const { daemonId } = this.#options;
    // Readers cannot know what happened while no daemon ran: its first entry says so.
    const marking = !this.#started;
    const overflow = this.#overflowed;
    this.#started = true;
    this.#overflowed = false;
    const records: FeedRecord[] = [];
    if (marking) records.push(marker('daemon-start', daemonId));
    if (overflow) records.push(marker('daemon-overflow', daemonId));
    for (let from = 0; from < changes.length; from += ENTRY_CHANGES) {
      const run = changes.slice(from, from + ENTRY_CHANGES);
      records.push(
        run.length === 1
          ? { kind: 'append', fields: eventFields(run[0] as JfsEvent), changes: 1 }
          : { kind: 'append', fields: batchFields(run), changes: run.length },
      );
    }
    for (const event of changes) {
      records.push({ kind: 'publish', message: formatNotifyMessage([event]) });
    }
    const sent = this.#feed.write(records).then(
      () => {
        this.#inFlight = null;
        this.counters.published += changes.length;
        if (marking) this.#onMarked();
        // The gap is in the stream: a later overflow is a new one, warned about again.
        if (overflow) this.#warned = false;
        if (this.#failures > 0) {
          this.#failures = 0;
          this.#options.recovered();
        }
        this.#flush();
      },
      (err: unknown) => {
        this.#inFlight = null;
        // Nothing of it was written: it goes back in front, markers included, for the next try.
        this.#started = !marking;
        this.#overflowed ||= overflow;
        this.#waiting = changes.concat(this.#waiting);
        this.#bound();
        this.#failures++;
        const delay = this.#options.retry(this.#failures) ?? 1000;
        this.#options.failed(asError(err), this.#failures, delay);
        if (this.#closing) return;
        this.#retry = this.#options.scheduler.schedule(() => {
          this.#retry = null;
          this.#flush();
        }, delay);
      },
    );
    this.#inFlight = sent;
    return sent;
  }
}

function marker(reason: 'daemon-start' | 'daemon-overflow', daemonId: string): FeedRecord {
  return { kind: 'append', fields: markerFields(reason, daemonId), changes: 1 };
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
