import type { SchedulerLike, Subscription } from 'rxjs';

/** One held path: the value it carries and, to tell a stale queue entry, its own record. */
interface HeldPath<V> {
  readonly path: string;
  readonly value: V;
  readonly deadline: number;
}

/**
 * Paths held for a fixed delay, each with a value: file unlinks (to spot
 * atomic saves, and to let the add of a renamed file reach the rename pairer
 * first) and empty files (a truncate then a write is one change). Every path
 * waits the same time, so arrival order is deadline order: one FIFO and one
 * timer, none while nothing is held.
 *
 * A path is released once its delay has passed, at the latest `slack` ms
 * after: by the next {@link hold} (which first releases what is due, in
 * order, as a timer on time would have), else by the timer, armed `slack`
 * late. At a steady rate of changes the releases then ride on the wake-ups
 * that bring the changes instead of costing a timer wake-up each.
 */
export class DelayedPaths<V> {
  readonly #delay: number;
  readonly #scheduler: SchedulerLike;
  readonly #release: (path: string, value: V) => void;
  readonly #slack: number;
  /** Held paths in arrival order; one taken back or held again is stale (not in `#held`). */
  #queue: HeldPath<V>[] = [];
  #head = 0;
  readonly #held = new Map<string, HeldPath<V>>();
  #timer: Subscription | null = null;

  /**
   * @param release Receives each path whose delay has passed without {@link take}.
   * @param slack How late a release may be, in ms (default 0: on time).
   */
  constructor(
    delay: number,
    scheduler: SchedulerLike,
    release: (path: string, value: V) => void,
    slack = 0,
  ) {
    this.#delay = delay;
    this.#scheduler = scheduler;
    this.#release = release;
    this.#slack = slack;
  }

  /** Holds `path` with `value` (held again, it is released at its later deadline). */
  hold(path: string, value: V): void {
    const now = this.#scheduler.now();
    if (this.#head < this.#queue.length) this.#expire(now);
    const held = { path, value, deadline: now + this.#delay };
    this.#held.set(path, held);
    this.#queue.push(held);
    this.#arm(now);
  }

  /** The value `path` is held with, if it is. */
  get(path: string): V | undefined {
    return this.#held.get(path)?.value;
  }

  /** Stops holding `path`; the value it was held with, if it was. */
  take(path: string): V | undefined {
    const held = this.#held.get(path);
    if (held === undefined) return undefined;
    this.#held.delete(path);
    return held.value;
  }

  /** Drops everything held and stops the timer. */
  close(): void {
    this.#timer?.unsubscribe();
    this.#timer = null;
    this.#queue = [];
    this.#head = 0;
    this.#held.clear();
  }

  /**
   * Sets the timer for the oldest held path (`slack` late) unless one is set:
   * a timer is never moved later, which would cost a wake-up all the same
   * (Node wakes at the time it first asked for), only fired and set again.
   */
  #arm(now: number): void {
    if (this.#timer !== null) return;
    const head = this.#queue[this.#head];
    if (head === undefined) return;
    this.#timer = this.#scheduler.schedule(
      () => {
        this.#timer = null;
        const now = this.#scheduler.now();
        this.#expire(now);
        this.#arm(now);
      },
      Math.max(0, head.deadline + this.#slack - now),
    );
  }

  #expire(now: number): void {
    const queue = this.#queue;
    while (this.#head < queue.length) {
      const held = queue[this.#head] as HeldPath<V>;
      if (held.deadline > now) break;
      this.#head++;
      if (this.#held.get(held.path) === held) {
        this.#held.delete(held.path);
        this.#release(held.path, held.value);
      }
    }
    if (this.#head === queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head >= 1024) {
      this.#queue = queue.slice(this.#head);
      this.#head = 0;
    }
  }
}
