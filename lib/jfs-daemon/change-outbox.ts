import type { SchedulerLike, Subscription } from 'rxjs';
import type { JfsEvent } from '../jfs-protocol/jfs-message.ts';
import { formatNotifyMessage } from '../jfs-protocol/notify-message.ts';
import { batchFields, eventFields, markerFields } from '../jfs-protocol/notify-stream.ts';
import { atMost } from './at-most.ts';
import type { ChangeFeed, FeedRecord } from './change-feed.ts';

/** A change waiting for the feed, or a marker (its fields, no event). */
type Outgoing =
  | { readonly event: JfsEvent; readonly fields?: undefined }
  | { readonly fields: string[]; readonly event?: undefined };

/** Most changes in one stream entry. */
const ENTRY_CHANGES = 1000;

/** How a {@link ChangeOutbox} writes. */
export interface ChangeOutboxOptions {
  /** The daemon's name in its markers (`<hostname>-<pid>`). */
  readonly daemonId: string;
  /** Changes kept while the feed is away; beyond, the oldest are dropped. */
  readonly maxBacklog: number;
  /** Where the batching turn and the close timeout run. */
  readonly scheduler: SchedulerLike;
  /** The first drop of an outage. */
  readonly overflowing: () => void;
  /** A failed write. */
  readonly failed: (error: Error) => void;
}

/**
 * The daemon's writing side: the changes of one scheduler turn become one
 * stream entry (up to 1,000; readers pay per entry) and each change one
 * pub/sub message holding that ONE event (Go's format: a Go proxy reads only
 * up to the first non-Write event of a message), batched into one write per
 * scheduler turn, and kept (up to a bound) while the feed is away. The
 * daemon's own gaps go into the stream as markers, in order: `daemon-start`
 * first, `daemon-overflow` before what was kept after the backlog overflowed.
 */
export class ChangeOutbox {
  readonly #feed: ChangeFeed;
  readonly #options: ChangeOutboxOptions;
  readonly #status: Subscription;
  #outbox: Outgoing[] = [];
  #scheduled: Subscription | null = null;
  #ready = false;
  #started = false;
  #overflowed = false;
  #closed = false;
  #onMarked: () => void = () => {};
  /** Resolves once the start marker is written. */
  readonly marked = new Promise<void>((resolve) => {
    this.#onMarked = resolve;
  });
  /** Changes written (each one entry and one message), and dropped by the backlog bound. */
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

  /** Changes waiting for the feed. */
  get pending(): number {
    return this.#outbox.length;
  }

  push(event: JfsEvent): void {
    if (this.#closed) return;
    if (this.#outbox.length >= this.#options.maxBacklog) {
      this.#outbox.shift();
      this.counters.dropped++;
      if (!this.#overflowed) this.#options.overflowing();
      this.#overflowed = true;
    }
    this.#outbox.push({ event });
    // One round trip per burst: everything that changed within this turn.
    if (this.#scheduled !== null) return;
    let ran = false;
    const scheduled = this.#options.scheduler.schedule(() => {
      ran = true;
      this.#flush();
    });
    // A synchronous scheduler (queueScheduler) has already flushed: nothing is pending.
    if (!ran) this.#scheduled = scheduled;
  }

  /** Writes what is pending (at most a second's wait), then stops. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#scheduled?.unsubscribe();
    this.#scheduled = null;
    this.#status.unsubscribe();
    if (this.#outbox.length > 0 && this.#ready) {
      await atMost(this.#send(), 1000, this.#options.scheduler);
    }
    this.#closed = true;
    this.#outbox = [];
  }

  #flush(): void {
    this.#scheduled = null;
    if ((this.#started && this.#outbox.length === 0) || this.#closed || !this.#ready) return;
    this.#send().catch((err: unknown) => this.#options.failed(err as Error));
  }

  #send(): Promise<unknown> {
    const outgoing = this.#outbox;
    this.#outbox = [];
    const { daemonId } = this.#options;
    if (this.#overflowed) outgoing.unshift({ fields: markerFields('daemon-overflow', daemonId) });
    // Readers cannot know what happened while no daemon ran: its first entry says so.
    const marking = !this.#started;
    if (marking) outgoing.unshift({ fields: markerFields('daemon-start', daemonId) });
    this.#started = true;
    this.#overflowed = false;
    const records: FeedRecord[] = [];
    // A run of changes is one entry; markers stay entries of their own, in order.
    let run: JfsEvent[] = [];
    const endRun = (): void => {
      if (run.length === 1) {
        records.push({ kind: 'append', fields: eventFields(run[0] as JfsEvent), changes: 1 });
      } else if (run.length > 1) {
        records.push({ kind: 'append', fields: batchFields(run), changes: run.length });
      }
      run = [];
    };
    for (const { fields, event } of outgoing) {
      if (event === undefined) {
        endRun();
        records.push({ kind: 'append', fields, changes: 1 });
        continue;
      }
      run.push(event);
      if (run.length === ENTRY_CHANGES) endRun();
      records.push({ kind: 'publish', message: formatNotifyMessage([event]) });
      this.counters.published++;
    }
    endRun();
    const sent = this.#feed.write(records);
    if (marking) void sent.then(this.#onMarked, this.#onMarked);
    return sent;
  }
}
