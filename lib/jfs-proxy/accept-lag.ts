/** How often the meter's timer runs: the bound it gives at rest is under about twice this. */
const TICK_MS = 250;

/**
 * An upper bound, measured, on how long each connection the proxy accepts
 * had waited in the kernel's accept queue: its client counted itself
 * connected (and re-listed) that long before the proxy knew of it.
 *
 * Node accepts one connection per turn of its event loop (measured: libuv
 * 1.52, 500 connections at once take 500 turns), so a storm of reconnections
 * (500 clients to a restarted proxy) drains over seconds while the loop stays
 * responsive. Two facts bound the wait:
 * - A turn whose poll finds a connection waiting accepts one. So a run of
 *   turns that each accepted one (a streak) began after a turn that found
 *   the queue empty: every connection of the streak arrived after that
 *   turn's poll.
 * - The turn before the streak's first polled after the timer's
 *   second-to-last run (the timer runs at the start of a turn, every TICK_MS
 *   when the loop is free, late when it is blocked).
 * A connection accepted now therefore arrived after the timer's
 * second-to-last run before its streak began.
 */
export class AcceptLagMeter {
  readonly #now: () => number;
  /** The timer's last two runs, older first. */
  #ticks: [number, number];
  #timer: ReturnType<typeof setInterval> | undefined;
  /** When the current streak's connections may have arrived, at the earliest; null between streaks. */
  #streakFrom: number | null = null;
  /** A connection was accepted in the turn the pending check ends. */
  #acceptedThisTurn = false;

  constructor(now: () => number = Date.now) {
    this.#now = now;
    const start = now();
    // Before the timer's first runs, its start (before the proxy listened) stands for them.
    this.#ticks = [start, start];
    this.#timer = setInterval(() => {
      this.#ticks = [this.#ticks[1], this.#now()];
    }, TICK_MS);
    this.#timer.unref();
  }

  /** A connection was accepted now: how long (ms) it was already connected, at most. */
  accepted(): number {
    const now = this.#now();
    this.#acceptedThisTurn = true;
    if (this.#streakFrom === null) {
      this.#streakFrom = this.#ticks[0];
      setImmediate(this.#check);
    }
    return Math.max(0, now - this.#streakFrom);
  }

  /** At the end of each turn of a streak: a turn that accepted nothing ends it. */
  readonly #check = (): void => {
    if (this.#acceptedThisTurn) {
      this.#acceptedThisTurn = false;
      setImmediate(this.#check);
    } else {
      this.#streakFrom = null;
    }
  };

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
