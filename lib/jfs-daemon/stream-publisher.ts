import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { JfsEvent } from '../jfs-protocol/jfs-message.ts';
import { formatNotifyMessage } from '../jfs-protocol/notify-message.ts';
import {
  batchFields,
  eventFields,
  markerFields,
  type NotifyNames,
} from '../jfs-protocol/notify-stream.ts';

/** A change waiting for Redis, or a marker (its fields, no event). */
type Outgoing =
  | { readonly fields?: undefined; readonly event: JfsEvent }
  | {
      readonly fields: string[];
      readonly event?: undefined;
    };

/** Most changes in one stream entry. */
const ENTRY_EVENTS = 1000;

/** Settles after `ms`, or as soon as `work` does; leaves no timer behind. */
export async function atMost(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([work.catch(() => {}), timeout]);
  clearTimeout(timer);
}

/** How a {@link StreamPublisher} writes. */
export interface StreamPublisherOptions {
  readonly names: NotifyNames;
  /**
   * About how many changes the stream keeps: `XADD ... MAXLEN ~ n / c`, c the
   * average number of changes per entry.
   */
  readonly maxLen: number;
  /** Changes kept while Redis is away; beyond, the oldest are dropped. */
  readonly maxBacklog: number;
  /** The first drop of an outage. */
  readonly overflowing: () => void;
  /** A failed write. */
  readonly failed: (error: Error) => void;
}

/**
 * The daemon's writing side: each change is appended to the stream (the
 * changes of one turn of the event loop as one entry, up to 1,000) and
 * published on the channel (Go's format, ONE event per message), batched
 * into one pipeline per turn of the event loop, and kept (up to a bound)
 * while Redis is away. The daemon's own gaps go into the stream as markers,
 * in order: `daemon-start` first, `daemon-overflow` before what was kept
 * after the backlog overflowed.
 */
export class StreamPublisher {
  readonly #redis: Redis;
  readonly #options: StreamPublisherOptions;
  readonly #id = `${hostname()}-${process.pid}`;
  #outbox: Outgoing[] = [];
  #scheduled: NodeJS.Immediate | null = null;
  #started = false;
  #overflowed = false;
  #closed = false;
  /** Changes per stream entry, a moving average: what `MAXLEN` is scaled by. */
  #perEntry = 1;
  #onMarked: () => void = () => {};
  /** Resolves once the start marker is written. */
  readonly marked = new Promise<void>((resolve) => {
    this.#onMarked = resolve;
  });
  /** Changes appended (each also published), and dropped by the backlog bound. */
  readonly counters = { published: 0, dropped: 0 };

  constructor(redis: Redis, options: StreamPublisherOptions) {
    this.#redis = redis;
    this.#options = options;
    redis.on('ready', () => this.#flush());
  }

  push(event: JfsEvent): void {
    if (this.#outbox.length >= this.#options.maxBacklog) {
      this.#outbox.shift();
      this.counters.dropped++;
      if (!this.#overflowed) this.#options.overflowing();
      this.#overflowed = true;
    }
    this.#outbox.push({ event });
    // One round trip per burst: everything that changed within this turn of the event loop.
    this.#scheduled ??= setImmediate(() => this.#flush());
  }

  /** Writes what is pending (at most a second's wait), then stops. */
  async close(): Promise<void> {
    if (this.#scheduled !== null) clearImmediate(this.#scheduled);
    if (!this.#closed && this.#outbox.length > 0 && this.#redis.status === 'ready') {
      await atMost(this.#send(), 1000);
    }
    this.#closed = true;
  }

  #flush(): void {
    this.#scheduled = null;
    if ((this.#started && this.#outbox.length === 0) || this.#closed) return;
    if (this.#redis.status !== 'ready') return; // kept until Redis is back ('ready' flushes)
    this.#send().catch((err: unknown) => this.#options.failed(err as Error));
  }

  #send(): Promise<unknown> {
    const outgoing = this.#outbox;
    this.#outbox = [];
    if (this.#overflowed) outgoing.unshift({ fields: markerFields('daemon-overflow', this.#id) });
    // Readers cannot know what happened while no daemon ran: its first entry says so.
    const marking = !this.#started;
    if (marking) outgoing.unshift({ fields: markerFields('daemon-start', this.#id) });
    this.#started = true;
    this.#overflowed = false;
    const { stream, channel } = this.#options.names;
    const pipeline = this.#redis.pipeline();
    const xadd = (fields: string[], changes = 1): void => {
      // maxLen bounds CHANGES: entries are trimmed at maxLen / (changes per entry, on average).
      this.#perEntry += (changes - this.#perEntry) / 16;
      const entries = Math.max(1, Math.ceil(this.#options.maxLen / this.#perEntry));
      pipeline.xadd(stream, 'MAXLEN', '~', entries, '*', ...fields);
    };
    // A run of changes is one stream entry (up to ENTRY_EVENTS): readers pay per entry. Markers
    // stay entries of their own, in order. Pub/sub keeps ONE change per message (Go proxies).
    let run: JfsEvent[] = [];
    const endRun = (): void => {
      if (run.length === 1) xadd(eventFields(run[0] as JfsEvent));
      else if (run.length > 1) xadd(batchFields(run), run.length);
      run = [];
    };
    for (const { fields, event } of outgoing) {
      if (event === undefined) {
        endRun();
        xadd(fields);
        continue;
      }
      run.push(event);
      if (run.length === ENTRY_EVENTS) endRun();
      pipeline.publish(channel, formatNotifyMessage([event]));
      this.counters.published++;
    }
    endRun();
    // Commands cut off by a lost connection are sent again once it is back (ioredis).
    const sent = pipeline.exec();
    if (marking) void sent.then(this.#onMarked, this.#onMarked);
    return sent;
  }
}
