import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';
import type { BatchwatchError } from '../errors.ts';
import type { DirNode } from './tree-node.ts';
import { FileWatchFallbackError } from './watch-errors.ts';

/** How often a directory that fell back to polling is read again, in ms. */
export const FALLBACK_POLL_MS = 250;

/**
 * The directories of a tree that are polled: those that could not get a
 * native watch (ENOSPC, EMFILE), read again every {@link FALLBACK_POLL_MS},
 * the first one reported with one warning; or, with `polling`, every
 * directory, at that interval and without a warning. One timer (none while
 * there are none).
 */
export class FallbackPoller {
  readonly #scheduler: SchedulerLike;
  readonly #warn: (warning: BatchwatchError) => void;
  readonly #rescan: (node: DirNode) => void;
  readonly #interval: number;
  /** Called after each turn that read at least one directory. */
  readonly #turned: () => void;
  readonly #nodes = new Set<DirNode>();
  #timer: Subscription | null = null;
  #warned = false;
  /** Whether turns are skipped (while the initial scan still runs). */
  paused = true;

  /**
   * @param rescan Reads a directory again and reports every difference.
   * @param interval How often, in ms (default {@link FALLBACK_POLL_MS}).
   * @param turned Called after each turn that read a directory.
   */
  constructor(
    scheduler: SchedulerLike,
    warn: (warning: BatchwatchError) => void,
    rescan: (node: DirNode) => void,
    interval = FALLBACK_POLL_MS,
    turned: () => void = () => {},
  ) {
    this.#scheduler = scheduler;
    this.#warn = warn;
    this.#rescan = rescan;
    this.#interval = interval;
    this.#turned = turned;
  }

  /** Polls `node` from now on (`cause`: why it has no watch; `null` when polling is asked for). */
  add(node: DirNode, cause: unknown): void {
    if (!this.#warned && cause !== null) {
      this.#warned = true;
      this.#warn(new FileWatchFallbackError(node.path, cause, FALLBACK_POLL_MS));
    }
    this.#nodes.add(node);
    if (this.#timer !== null) return;
    this.#timer = this.#scheduler.schedule(
      function turn(this: SchedulerAction<FallbackPoller>, poller) {
        if (poller !== undefined) poller.#turn();
        if (poller !== undefined) this.schedule(poller, poller.#interval);
      },
      this.#interval,
      this,
    );
  }

  delete(node: DirNode): void {
    this.#nodes.delete(node);
  }

  close(): void {
    this.#timer?.unsubscribe();
    this.#timer = null;
    this.#nodes.clear();
  }

  #turn(): void {
    if (this.paused || this.#nodes.size === 0) return;
    for (const node of [...this.#nodes]) if (!node.closed) this.#rescan(node);
    this.#turned();
  }
}
