/**
 * What bounds the proxy's memory in a burst: its feed reads ahead only while
 * every client's send queue has room. A queue past `maxQueuedBytes` is
 * `full` and pauses the feed; it is `drained` again once its client has read
 * it down to half (or once the connection is gone, a slow client dropped by
 * its {@link SendQueue}), and the feed resumes when no queue is full.
 *
 * ```
 *  running ── a queue full ──► paused ── the last full queue drained ──► running
 * ```
 *
 * Nothing is skipped: the stream waits in Redis (a reader that falls behind
 * its trimming resyncs), the channel in Redis's output buffer for the
 * subscriber (past its limit Redis drops the subscriber: a resync). A
 * client that cannot keep up is disconnected by the slow-client rule, never
 * silently skipped.
 */
export class FeedThrottle {
  readonly #pause: () => void;
  readonly #resume: () => void;
  #full = 0;
  #pauses = 0;
  #peak = 0;

  constructor(pause: () => void, resume: () => void) {
    this.#pause = pause;
    this.#resume = resume;
  }

  /** Send queues over their bound now. */
  get fullQueues(): number {
    return this.#full;
  }

  /** Times the feed was paused. */
  get pauses(): number {
    return this.#pauses;
  }

  /** The most bytes one client's send queue has held. */
  get peakQueuedBytes(): number {
    return this.#peak;
  }

  /** A queue now holds `bytes`. */
  queued(bytes: number): void {
    if (bytes > this.#peak) this.#peak = bytes;
  }

  /** A queue passed its bound. */
  full(): void {
    if (this.#full++ > 0) return;
    this.#pauses++;
    this.#pause();
  }

  /** A full queue was read down to half its bound, or closed. */
  drained(): void {
    if (this.#full === 0) return;
    if (--this.#full === 0) this.#resume();
  }
}
