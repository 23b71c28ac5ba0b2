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
 */
export class DelayedPaths<V> {
  readonly #delay: number;
  readonly #scheduler: SchedulerLike;
  readonly #release: (path: string, value: V) => void;
  /** Held paths in arrival order; one taken back or held again is stale (not in `#held`). */
  #queue: HeldPath<V>[] = [];
  #head = 0;
  readonly #held = new Map<string, HeldPath<V>>();
  #timer: Subscription | null = null;

  /** @param release Receives each path whose delay has passed without {@link take}. */
  constructor(delay: number, scheduler: SchedulerLike, release: (path: string, value: V) => void) {
    this.#delay = delay;
    this.#scheduler = scheduler;
    this.#release = release;
  }

  /** Holds `path` with `value` (held again, it is released at its later deadline). */
  hold(path: string, value: V): void {
    const held = { path, value, deadline: this.#scheduler.now() + this.#delay };
    this.#held.set(path, held);
    this.#queue.push(held);
    if (this.#timer === null) this.#arm(this.#delay);
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

  #arm(delay: number): void {
    this.#timer = this.#scheduler.schedule(
      () => {
        this.#timer = null;
        this.#expire(this.#scheduler.now());
      },
      Math.max(0, delay),
    );
  }

  #expire(now: number): void {
    const queue = this.#queue;
    while (this.#head < queue.length) {
      const held = queue[this.#head] as HeldPath<V>;
      if (held.deadline > now) {
        if (this.#timer === null) this.#arm(held.deadline - now);
        break;
      }
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
