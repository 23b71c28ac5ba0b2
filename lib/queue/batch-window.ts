import type { ResolvedBatchOptions } from './batch-options.ts';

/**
 * When an open batch window closes: a fixed window `flushInterval` ms after
 * it opened, or a settling one (`quiet`) once no event came for `quiet` ms,
 * and never later than `maxWait` ms after it opened. No timer of its own: the
 * engine asks {@link remaining} when its one timer fires, so an event costs a
 * clock read (settle only), never a timer.
 *
 * ```
 *  events:            a b c          d e f g h i j k ...  (an event every 100 ms)
 *  fixed, 300:        |--300--|      |--300--|            closes 300 ms after the first
 *  settle, quiet 200: |---+200--|    |---------maxWait--| closes after 200 ms of quiet,
 *                                                         at the latest maxWait after the first
 * ```
 */
export class BatchWindow {
  /** Whether the window settles (`quiet`) rather than being fixed. */
  readonly settles: boolean;
  readonly #interval: number;
  readonly #maxWait: number;
  #openedAt = 0;
  #lastAt = 0;

  constructor(options: Pick<ResolvedBatchOptions, 'flushInterval' | 'quiet' | 'maxWait'>) {
    this.settles = options.quiet !== null;
    this.#interval = options.quiet ?? options.flushInterval;
    this.#maxWait = options.quiet === null ? options.flushInterval : options.maxWait;
  }

  /** The window's period: `quiet` when settling, else `flushInterval`. */
  get interval(): number {
    return this.#interval;
  }

  /** Opens the window at `now`; returns the delay until it may close. */
  open(now: number): number {
    this.#openedAt = now;
    this.#lastAt = now;
    return this.#interval;
  }

  /** An event arrived at `now` (only a settling window cares). */
  touch(now: number): void {
    this.#lastAt = now;
  }

  /** How long the window stays open from `now`, in ms; 0 when it closes now. */
  remaining(now: number): number {
    if (!this.settles) return 0; // the timer of a fixed window fires when it closes
    const closesAt = Math.min(this.#lastAt + this.#interval, this.#openedAt + this.#maxWait);
    return Math.max(0, closesAt - now);
  }
}
