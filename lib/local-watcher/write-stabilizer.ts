import { lstatSync } from 'node:fs';
import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';

/** `awaitWriteFinish`'s settings: how long the size must stay put, how often it is read (ms). */
export interface WriteFinish {
  readonly stabilityThreshold: number;
  readonly pollInterval: number;
}

interface Held<V> {
  value: V;
  size: number;
  /** When the size last changed (scheduler time). */
  since: number;
}

/**
 * Files whose add or change waits until their size has stopped changing
 * for `stabilityThreshold` ms (read every `pollInterval` ms, by one timer,
 * none while nothing is held): chokidar's `awaitWriteFinish`, for files
 * written in chunks (uploads, large copies). A file gone while held is
 * dropped (its owner decides what to report).
 */
export class WriteStabilizer<V> {
  readonly #settings: WriteFinish;
  readonly #scheduler: SchedulerLike;
  readonly #release: (path: string, value: V) => void;
  readonly #held = new Map<string, Held<V>>();
  #timer: Subscription | null = null;

  /** @param release Receives each path whose size has settled, with the value it was held with. */
  constructor(
    settings: WriteFinish,
    scheduler: SchedulerLike,
    release: (path: string, value: V) => void,
  ) {
    this.#settings = settings;
    this.#scheduler = scheduler;
    this.#release = release;
  }

  /** Holds `path` (held already: keeps its first value, and waits again from now). */
  hold(path: string, value: V, size: number): void {
    const now = this.#scheduler.now();
    const held = this.#held.get(path);
    if (held !== undefined) {
      held.size = size;
      held.since = now;
    } else this.#held.set(path, { value, size, since: now });
    this.#timer ??= this.#scheduler.schedule(
      function turn(this: SchedulerAction<WriteStabilizer<V>>, stabilizer) {
        if (stabilizer === undefined) return;
        stabilizer.#turn();
        if (stabilizer.#held.size > 0) this.schedule(stabilizer, stabilizer.#settings.pollInterval);
        else stabilizer.#timer = null;
      },
      this.#settings.pollInterval,
      this,
    );
  }

  /** Stops holding `path`; the value it was held with, if it was. */
  take(path: string): V | undefined {
    const held = this.#held.get(path);
    this.#held.delete(path);
    return held?.value;
  }

  close(): void {
    this.#timer?.unsubscribe();
    this.#timer = null;
    this.#held.clear();
  }

  #turn(): void {
    const now = this.#scheduler.now();
    for (const [path, held] of [...this.#held]) {
      const stats = lstatSync(path, { throwIfNoEntry: false });
      if (stats === undefined) {
        this.#held.delete(path);
        continue;
      }
      if (stats.size !== held.size) {
        held.size = stats.size;
        held.since = now;
      } else if (now - held.since >= this.#settings.stabilityThreshold) {
        this.#held.delete(path);
        this.#release(path, held.value);
      }
    }
  }
}
