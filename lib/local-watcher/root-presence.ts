import { statSync } from 'node:fs';
import { basename, dirname, relative, sep } from 'node:path';
import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';
import { FALLBACK_POLL_MS } from './fallback-poller.ts';
import { type WatchHandle, watchDirectory } from './watch-directory.ts';

/**
 * Watches for a tree's root coming, going or being swapped: the nearest
 * existing ancestor of the root (its parent while the root exists) is
 * watched with one non-recursive `fs.watch`, or polled every `polling` ms,
 * and `check` is called whenever the entry leading to the root may have
 * changed. A root has no parent in the tree to report it: without this, a
 * deleted root would go silent, and a root that does not exist yet would
 * never be watched. Call {@link aim} after each check: the ancestor to
 * watch moves as the path appears or disappears.
 */
export class RootPresence {
  readonly #root: string;
  readonly #polling: number | null;
  readonly #scheduler: SchedulerLike;
  readonly #check: () => void;
  #watched: string | null = null;
  #watcher: WatchHandle | null = null;
  #timer: Subscription | null = null;
  #closed = false;
  #generation = 0;

  /**
   * @param root The root directory (absolute).
   * @param polling Poll every that many ms instead of watching (`null`: watch).
   * @param check Looks at the root again.
   */
  constructor(root: string, polling: number | null, scheduler: SchedulerLike, check: () => void) {
    this.#root = root;
    this.#polling = polling;
    this.#scheduler = scheduler;
    this.#check = check;
  }

  /**
   * Watches the nearest existing ancestor of the root, if that is not what
   * is watched already. With `ancestor: false` (a root that exists and is no
   * link: its own watch reports its removal or move) a native watch is
   * released, saving one inotify watch per root; polling goes on.
   */
  aim(ancestorNeeded = true): void {
    if (this.#closed) return;
    if (!ancestorNeeded && this.#polling === null) {
      this.#stop();
      this.#watched = null;
      return;
    }
    const ancestor = nearestExisting(dirname(this.#root));
    if (ancestor === this.#watched && (this.#watcher !== null || this.#timer !== null)) return;
    this.#stop();
    this.#watched = ancestor;
    if (ancestor === null || ancestor === this.#root) return; // the filesystem root: nothing above
    if (this.#polling !== null) {
      this.#poll(this.#polling);
      return;
    }
    // The name in `ancestor` that leads to the root, and the ancestor's own name (gone itself).
    const next = relative(ancestor, this.#root).split(sep)[0];
    const own = basename(ancestor);
    try {
      const watcher: WatchHandle = watchDirectory(
        ancestor,
        (_type, name) => {
          if (this.#closed || this.#watcher !== watcher) return;
          if (name === null || name === '' || name === next || name === own) this.#check();
        },
        () => {
          // The ancestor went away (or the watch broke): look again, and poll until aimed anew.
          if (this.#watcher !== watcher) return;
          this.#watcher = null;
          this.#stop();
          this.#poll(FALLBACK_POLL_MS);
          this.#check();
        },
      );
      this.#watcher = watcher;
    } catch {
      // Out of watches or instances: the tree has warned (or will); poll this one quietly.
      this.#poll(FALLBACK_POLL_MS);
    }
  }

  close(): void {
    this.#closed = true;
    this.#stop();
  }

  #poll(interval: number): void {
    // A check may aim elsewhere (a new timer): this one then stops rescheduling itself.
    const generation = ++this.#generation;
    this.#timer = this.#scheduler.schedule(
      function turn(this: SchedulerAction<RootPresence>, presence) {
        if (presence === undefined || presence.#generation !== generation) return;
        presence.#check();
        if (presence.#generation === generation) this.schedule(presence, interval);
      },
      interval,
      this,
    );
  }

  #stop(): void {
    this.#generation++;
    this.#watcher?.close();
    this.#watcher = null;
    this.#timer?.unsubscribe();
    this.#timer = null;
  }
}

/** The nearest of `path` and its ancestors that exists as a directory (following links). */
function nearestExisting(path: string): string | null {
  for (let dir = path; ; dir = dirname(dir)) {
    try {
      if (statSync(dir, { throwIfNoEntry: false })?.isDirectory()) return dir;
    } catch {
      // Unreadable: look further up.
    }
    if (dirname(dir) === dir) return null;
  }
}
