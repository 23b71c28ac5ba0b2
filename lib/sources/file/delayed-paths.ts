import type { SchedulerLike, Subscription } from 'rxjs';

/**
 * Paths held for a fixed delay: file unlinks (to spot atomic saves, and to
 * let the add of a renamed file reach the rename pairer first) and empty
 * files (a truncate then a write is one change). Every path waits the same
 * time, so arrival order is deadline order: one FIFO and one timer, none
 * while nothing is held.
 */
export class DelayedPaths {
  readonly #delay: number;
  readonly #scheduler: SchedulerLike;
  readonly #release: (path: string) => void;
  /** Held paths and their deadlines, in arrival order; a cancelled one is dropped from `#deadlines`. */
  #queue: { path: string; deadline: number }[] = [];
  #head = 0;
  readonly #deadlines = new Map<string, number>();
  #timer: Subscription | null = null;

  /** @param release Receives each path whose delay has passed without {@link take}. */
  constructor(delay: number, scheduler: SchedulerLike, release: (path: string) => void) {
    this.#delay = delay;
    this.#scheduler = scheduler;
    this.#release = release;
  }

  /** Holds `path` (held again, it is released at its later deadline). */
  hold(path: string): void {
    const deadline = this.#scheduler.now() + this.#delay;
    this.#deadlines.set(path, deadline);
    this.#queue.push({ path, deadline });
    if (this.#timer === null) this.#arm(this.#delay);
  }

  /** Whether `path` is held. */
  has(path: string): boolean {
    return this.#deadlines.has(path);
  }

  /** Whether `path` was held; it no longer is. */
  take(path: string): boolean {
    return this.#deadlines.delete(path);
  }

  /** Drops everything held and stops the timer. */
  close(): void {
    this.#timer?.unsubscribe();
    this.#timer = null;
    this.#queue = [];
    this.#head = 0;
    this.#deadlines.clear();
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
      const held = queue[this.#head] as { path: string; deadline: number };
      if (held.deadline > now) {
        if (this.#timer === null) this.#arm(held.deadline - now);
        break;
      }
      this.#head++;
      // Taken back (an atomic save) or held again later (then its later entry releases it).
      if (this.#deadlines.get(held.path) === held.deadline) {
        this.#deadlines.delete(held.path);
        this.#release(held.path);
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
