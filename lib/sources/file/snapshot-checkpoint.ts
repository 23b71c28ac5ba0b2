import type { Stats } from 'node:fs';
import { sep } from 'node:path';
import type { SchedulerLike, Subscription } from 'rxjs';
import { Action } from '../../events/action.ts';
import { createEvent, type Event, EventType } from '../../events/event.ts';
import type { CheckpointStore } from '../../journal/checkpoint-store.ts';
import { type IgnoreMatcher, rootsIgnoreMatcher } from '../../local-watcher/ignore-matcher.ts';
import type { SourceContext } from '../event-source.ts';
import type { ResolvedFileSourceOptions } from './file-source-options.ts';
import {
  diffSnapshots,
  parseSnapshot,
  serializeSnapshot,
  snapshotEntry,
  statEntry,
  type TreeSnapshot,
  takeSnapshot,
} from './tree-snapshot.ts';
import type { WatchRoot } from './watch-roots.ts';

/** What a {@link SnapshotCheckpoint} needs to know of its file source. */
export interface SnapshotCheckpointOptions {
  readonly store: CheckpointStore;
  readonly name: string;
  readonly roots: readonly WatchRoot[];
  readonly depth: number;
  readonly ignore: IgnoreMatcher;
  readonly scheduler: SchedulerLike;
  /**
   * Saves at most this often while changes come in, in ms; never more often
   * than 10 times the last save took (a large tree costs more to write).
   */
  readonly saveInterval: number;
}

/**
 * The file source's checkpoint: a compact snapshot of the watched trees
 * (identity, size, mtime per path) kept in a checkpoint store.
 *
 * - Once the watchers are ready, `resume()` walks the trees, reports what
 *   changed since the saved snapshot (created, written, deleted, renamed:
 *   see `diffSnapshots`), and saves the new one. No saved snapshot: nothing
 *   to report (a first start). An unreadable one: a ForceReload.
 * - While watching, `saw()` follows each event the source delivers (one
 *   `lstat` of its path) and saves the snapshot at most every
 *   `saveInterval` ms, and on close. It only ever holds what was delivered,
 *   so a saved snapshot is never ahead of the events a journal committed
 *   before it: a change is reported again after a crash, never missed.
 */
export class SnapshotCheckpoint {
  readonly #options: SnapshotCheckpointOptions;
  /** Null until the walk of `resume()` is done. */
  #snapshot: TreeSnapshot | null = null;
  /**
   * The tree as the watchers' initial scans found it (their stats): the
   * current snapshot without a second walk; null once a watcher found an
   * entry without stats (then `resume()` walks the tree itself).
   */
  #scanned: TreeSnapshot | null = new Map();
  /** Paths of the events delivered during that walk: looked at again once it is done. */
  readonly #seenDuringWalk = new Set<string>();
  #timer: Subscription | null = null;
  #lastSaveMs = 0;
  #closed = false;

  constructor(options: SnapshotCheckpointOptions) {
    this.#options = options;
  }

  /**
   * An entry a root's initial scan found, with the stats its watcher read:
   * recorded as `takeSnapshot` would (single files only, the root's own
   * directory and ignored entries left out).
   */
  found(root: WatchRoot, path: string, stats: Stats | undefined): void {
    const scanned = this.#scanned;
    if (scanned === null || this.#snapshot !== null || path === root.dir) return;
    if (stats === undefined) {
      this.#scanned = null;
      return;
    }
    if (root.files !== null && !root.files.has(path)) return;
    const { ignore } = this.#options;
    if (ignore.byPath(path) || ignore.byStats(path, stats)) return;
    scanned.set(path, snapshotEntry(stats));
  }

  /**
   * Reports the changes made while the source was not watching, then saves
   * the snapshot (soon after, not before the source is ready: a crash in
   * between reports those changes again, it loses none).
   */
  async resume(context: SourceContext): Promise<void> {
    const { store, name, roots, depth, ignore, scheduler } = this.#options;
    const saved = store.checkpoint(name);
    // What the watchers' scans read is the tree now; a walk only when they did not say.
    const current = this.#scanned ?? (await takeSnapshot(roots, depth, ignore));
    this.#scanned = null;
    if (this.#closed) return;
    const before = saved === undefined ? current : parseSnapshot(saved);
    if (before === null) {
      context.log('unreadable tree snapshot %s: reloading', name);
      const actorAttributes = Object.freeze({ reason: 'unreadable snapshot' });
      context.next(
        createEvent({
          type: EventType.File,
          actorName: '',
          action: Action.ForceReload,
          actorAttributes,
        }),
      );
    } else {
      const events = diffSnapshots(before, current, roots, scheduler.now());
      context.log('%d change(s) while not watching', events.length);
      for (const event of events) context.next(event);
    }
    this.#snapshot = current;
    // Changes delivered during the walk were applied to no snapshot: look at their paths again.
    for (const path of this.#seenDuringWalk) this.#refresh(path);
    this.#seenDuringWalk.clear();
    this.#scheduleSave();
  }

  /** `context` with each delivered event followed by {@link SnapshotCheckpoint.saw}. */
  follow(context: SourceContext): SourceContext {
    return {
      ...context,
      next: (event) => {
        context.next(event);
        this.saw(event);
      },
    };
  }

  /** Follows a delivered event. */
  saw(event: Event): void {
    if (this.#closed) return;
    const oldPath = event.actorAttributes['oldPath'];
    if (this.#snapshot === null) {
      this.#seenDuringWalk.add(event.actorId);
      if (oldPath !== undefined) this.#seenDuringWalk.add(oldPath);
      return;
    }
    if (event.action === Action.FileRenamed && oldPath !== undefined) this.#forget(oldPath);
    if (event.action === Action.FileDeleted) this.#forget(event.actorId);
    else if (event.action !== Action.ForceReload) this.#refresh(event.actorId);
    this.#scheduleSave();
  }

  /** Saves (once the first walk is done) and stops: no timer is left. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#timer?.unsubscribe();
    this.#timer = null;
    this.#save();
    this.#closed = true;
  }

  #refresh(path: string): void {
    const snapshot = this.#snapshot as TreeSnapshot;
    const entry = statEntry(path);
    if (entry === null) this.#forget(path);
    else if (entry.dir && snapshot.get(path)?.dir !== true) {
      // A directory that appeared (or moved here) with its entries: they are known from now on.
      snapshot.set(path, entry);
      void takeSnapshot(
        [{ dir: path, files: null, covered: -1 }],
        this.#options.depth,
        this.#options.ignore,
      ).then((inner) => {
        for (const [innerPath, innerEntry] of inner) this.#snapshot?.set(innerPath, innerEntry);
      });
    } else snapshot.set(path, entry);
  }

  #forget(path: string): void {
    const snapshot = this.#snapshot as TreeSnapshot;
    if (snapshot.get(path)?.dir === true) {
      const prefix = path + sep;
      for (const key of snapshot.keys()) if (key.startsWith(prefix)) snapshot.delete(key);
    }
    snapshot.delete(path);
  }

  #scheduleSave(): void {
    if (this.#timer !== null) return;
    this.#timer = this.#options.scheduler.schedule(
      () => {
        this.#timer = null;
        this.#save();
      },
      Math.max(this.#options.saveInterval, 10 * this.#lastSaveMs),
    );
  }

  #save(): void {
    if (this.#snapshot === null || this.#closed) return;
    const start = performance.now();
    this.#options.store.setCheckpoint(this.#options.name, serializeSnapshot(this.#snapshot));
    this.#lastSaveMs = performance.now() - start;
  }
}

/** The checkpoint of a file source with the `checkpoint` option, else null. */
export function snapshotCheckpoint(
  roots: readonly WatchRoot[],
  options: ResolvedFileSourceOptions,
): SnapshotCheckpoint | null {
  if (options.checkpoint === null) return null;
  return new SnapshotCheckpoint({
    store: options.checkpoint,
    name: options.checkpointName,
    roots,
    depth: options.depth,
    // Globs relative to a root are matched against the root each path is under.
    ignore: rootsIgnoreMatcher(
      options.ignored,
      roots.map((root) => root.dir),
    ),
    scheduler: options.scheduler,
    saveInterval: 10,
  });
}
