import type { Socket } from 'node:net';
import type { SchedulerLike, Subscription } from 'rxjs';
import type { FeedThrottle } from './feed-throttle.ts';
import { PAGE_BYTES, type PagePool, sharedPagePool } from './page-pool.ts';

/** The limits a {@link SendQueue} enforces (the proxy's options of the same names). */
export interface SendLimits {
  /** Queued bytes up to which a client that does not read is left alone. */
  readonly maxQueuedBytes: number;
  /** How long a client over `maxQueuedBytes` may make no read progress, in ms. */
  readonly slowClientGrace: number;
  /** Queued bytes beyond which a client is dropped at once, reading or not. */
  readonly maxBufferedBytes: number;
  readonly scheduler: SchedulerLike;
}

/** Where a {@link SendQueue} says that it is full (over `maxQueuedBytes`) and drained again. */
export type QueueFullness = Pick<FeedThrottle, 'full' | 'drained' | 'queued'>;

/** Frames under this many bytes, sent when nothing waits, are written on their own (see `send`). */
const SMALL_FRAME_BYTES = 4 * 1024;

const NO_THROTTLE: QueueFullness = { full: () => {}, drained: () => {}, queued: () => {} };

/** Why a client was judged slow. */
export type SlowClientVerdict =
  | { readonly reason: 'stalled'; readonly queuedBytes: number; readonly stalledFor: number }
  | { readonly reason: 'over-cap'; readonly queuedBytes: number };

/**
 * One client's outgoing bytes, and the rule that decides when the client is
 * too slow to keep, from its read progress, not from the size of its queue: a
 * client is slow when it makes no progress (its socket accepts no data) for
 * `slowClientGrace` ms while more than `maxQueuedBytes` wait for it, or at
 * once when more than `maxBufferedBytes` wait. A client that keeps reading is
 * never dropped, however large the burst.
 *
 * The bytes are copied into pages of a {@link PagePool} (the caller may reuse
 * the frame it passed at once) and handed to the socket one page at a time:
 * Node merges every write made while one is in flight into a single `writev`
 * whose callbacks all fire at its end, so a 10 MB burst written frame by
 * frame would show no progress until the client had read nearly all of it;
 * one page at a time makes each completed page a sign that the client reads.
 * A page goes back to the pool once written, and an empty queue holds none.
 */
export class SendQueue {
  readonly #socket: Socket;
  readonly #limits: SendLimits;
  readonly #onSlow: (verdict: SlowClientVerdict) => void;
  readonly #pool: PagePool;
  /** The queued bytes, oldest first; only the last page has room left. */
  #pages: Buffer[] = [];
  /** Bytes of the first page handed to the socket (written, or in flight). */
  #head = 0;
  /** Bytes filled in the last page. */
  #tail = 0;
  /** Bytes in `#pages` not given to the socket yet. */
  #waiting = 0;
  /** Bytes of the one write in flight (0: none). */
  #inFlight = 0;
  /** The write in flight is from a page (false: a small frame written on its own). */
  #pageInFlight = false;
  /** When the socket last accepted a chunk, or when the queue last grew past the limit. */
  #lastProgress = 0;
  /** Chunks the socket has taken: what a stall confirmation compares. */
  #chunksTaken = 0;
  #timer: Subscription | null = null;
  /** True from the queue passing `maxQueuedBytes` until a check finds it back under. */
  #watching = false;
  /** The two-turn confirmation of a stall (see `#check`). */
  #confirm: NodeJS.Immediate | null = null;
  #stopped = false;
  /** Over `maxQueuedBytes` and so pausing the feed, until read down to half of it. */
  #full = false;
  readonly #throttle: QueueFullness;
  readonly #written = (err?: Error | null): void => {
    this.#inFlight = 0;
    if (err != null || this.#stopped) return;
    this.#lastProgress = this.#limits.scheduler.now();
    this.#chunksTaken++;
    this.#recycle();
    if (this.#waiting > 0) this.#flush();
    if (this.#full && this.queuedBytes <= this.#limits.maxQueuedBytes / 2) {
      this.#full = false;
      this.#throttle.drained();
    }
  };

  /**
   * `throttle` is told when the queue is full and drained again (the proxy
   * pauses its feed); `pool` gives the pages (default: the process's).
   */
  constructor(
    socket: Socket,
    limits: SendLimits,
    onSlow: (verdict: SlowClientVerdict) => void,
    throttle: QueueFullness = NO_THROTTLE,
    pool: PagePool = sharedPagePool,
  ) {
    this.#socket = socket;
    this.#limits = limits;
    this.#onSlow = onSlow;
    this.#throttle = throttle;
    this.#pool = pool;
  }

  /** Pages this queue holds (0 once it is empty and no write is in flight). */
  get pages(): number {
    return this.#pages.length;
  }

  /** Bytes queued for the client and not yet taken by its socket. */
  get queuedBytes(): number {
    return this.#waiting + this.#inFlight;
  }

  /**
   * Queues a copy of `frame` for the client (the caller may reuse `frame`)
   * and checks the limits; false once the client was dropped.
   */
  send(frame: Uint8Array): boolean {
    if (this.#stopped) return false;
    if (this.#inFlight === 0 && this.#pages.length === 0 && frame.length < SMALL_FRAME_BYTES) {
      // Alone and small (a change at rest): a copy from Node's shared pool, not a 64 KB page, so
      // that one change to a thousand clients does not take a thousand pages at once.
      this.#inFlight = frame.length;
      this.#pageInFlight = false;
      this.#socket.write(Buffer.from(frame), this.#written);
    } else {
      this.#append(frame);
      if (this.#inFlight === 0) this.#flush();
    }
    const queued = this.queuedBytes;
    this.#throttle.queued(queued);
    if (queued > this.#limits.maxBufferedBytes) {
      this.#judge({ reason: 'over-cap', queuedBytes: queued });
      return true;
    }
    if (queued > this.#limits.maxQueuedBytes && !this.#full) {
      this.#full = true;
      this.#throttle.full();
    }
    if (queued > this.#limits.maxQueuedBytes && !this.#watching) {
      this.#watching = true;
      // The grace starts once this turn is over and the loop has polled: a client is blamed
      // neither for the time before its queue grew nor for the time the proxy took to fill it.
      this.#confirm = setImmediate(() => {
        this.#confirm = null;
        this.#lastProgress = this.#limits.scheduler.now();
        this.#arm(this.#limits.slowClientGrace);
      });
    }
    return true;
  }

  /** Stops sending and watching, and forgets what is queued (the connection is closing). */
  stop(): void {
    if (this.#full) {
      this.#full = false;
      this.#throttle.drained();
    }
    this.#stopped = true;
    // The page of a write in flight is the socket's until its callback: left to the collector.
    const inFlight = this.#inFlight > 0 && this.#pageInFlight ? 1 : 0;
    for (const page of this.#pages.slice(inFlight)) this.#pool.give(page);
    this.#pages = [];
    this.#head = 0;
    this.#tail = 0;
    this.#waiting = 0;
    this.#timer?.unsubscribe();
    this.#timer = null;
    if (this.#confirm !== null) clearImmediate(this.#confirm);
    this.#confirm = null;
  }

  /** Copies `bytes` after the queued ones, into the last page and new ones. */
  #append(bytes: Uint8Array): void {
    let offset = 0;
    while (offset < bytes.length) {
      let page = this.#pages.at(-1);
      if (page === undefined || this.#tail === PAGE_BYTES) {
        page = this.#pool.take();
        this.#pages.push(page);
        this.#tail = 0;
      }
      const length = Math.min(bytes.length - offset, PAGE_BYTES - this.#tail);
      page.set(bytes.subarray(offset, offset + length), this.#tail);
      this.#tail += length;
      offset += length;
    }
    this.#waiting += bytes.length;
  }

  /** Hands the rest of the first page to the socket (bytes after it in that page stay free to fill). */
  #flush(): void {
    const page = this.#pages[0];
    if (page === undefined) return;
    const end = this.#pages.length === 1 ? this.#tail : PAGE_BYTES;
    const length = end - this.#head;
    if (length <= 0) return;
    const from = this.#head;
    this.#head = end;
    this.#waiting -= length;
    this.#inFlight = length;
    this.#pageInFlight = true;
    this.#socket.write(page.subarray(from, end), this.#written);
  }

  /** After a write: the first page, once all of it was written, goes back to the pool. */
  #recycle(): void {
    const page = this.#pages[0];
    if (page === undefined) return;
    const only = this.#pages.length === 1;
    if (this.#head === PAGE_BYTES || (only && this.#head === this.#tail)) {
      this.#pages.shift();
      this.#pool.give(page);
      this.#head = 0;
      if (only) this.#tail = 0;
    }
  }

  #arm(delay: number): void {
    this.#timer = this.#limits.scheduler.schedule(() => this.#check(), delay);
  }

  /**
   * Runs when the grace may be over. Timers run before the event loop polls
   * for I/O, so a loop kept busy (by a reader in this same process, say) can
   * reach this check with the client's progress not collected yet: a socket
   * that became writable during the last poll is only written in the next
   * one. "Stalled" is therefore confirmed two loop turns later (`setImmediate`
   * runs after each poll), by which time any such progress has been counted.
   */
  #check(): void {
    this.#timer = null;
    if (this.#stopped) return;
    const { maxQueuedBytes, slowClientGrace, scheduler } = this.#limits;
    if (this.queuedBytes <= maxQueuedBytes) {
      this.#watching = false;
      return;
    }
    const stalledFor = scheduler.now() - this.#lastProgress;
    if (stalledFor < slowClientGrace) {
      this.#arm(slowClientGrace - stalledFor);
      return;
    }
    const mark = this.#chunksTaken;
    const since = this.#lastProgress;
    const confirm = setImmediate(() => {
      this.#confirm = setImmediate(() => {
        this.#confirm = null;
        if (this.#stopped) return;
        if (this.#chunksTaken !== mark || this.queuedBytes <= maxQueuedBytes) this.#check();
        else
          this.#judge({
            reason: 'stalled',
            queuedBytes: this.queuedBytes,
            stalledFor: scheduler.now() - since,
          });
      });
    });
    this.#confirm = confirm;
  }

  #judge(verdict: SlowClientVerdict): void {
    this.stop();
    this.#onSlow(verdict);
  }
}
