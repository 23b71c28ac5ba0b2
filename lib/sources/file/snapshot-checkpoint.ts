import type { Stats } from 'node:fs';
import type { SchedulerLike, Subscription } from 'rxjs';
import { Action } from '../../events/action.ts';
import { createEvent, type Event, EventType } from '../../events/event.ts';
import type { CheckpointStore } from '../../journal/checkpoint-store.ts';
import { type IgnoreMatcher, rootsIgnoreMatcher } from '../../local-watcher/ignore-matcher.ts';
import type { SourceContext } from '../event-source.ts';
import { type DirListing, keepsCtime, listingNames, settled } from './dir-listings.ts';
import type { ResolvedFileSourceOptions } from './file-source-options.ts';
import type { LiveSnapshot } from './live-snapshot.ts';
import { SnapshotColumns } from './snapshot-columns.ts';
import { StoredSnapshot } from './stored-snapshot.ts';
import { snapshotEntry, TreeDiff } from './tree-diff.ts';
import { statEntry, walkTree } from './tree-snapshot.ts';
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
  /** Whether directories on the filesystem of a path keep ctimes as listings need. Default: `keepsCtime`. */
  readonly keepsCtime?: (path: string) => boolean;
}

/** The snapshot of a first start: nothing saved yet. */
const EMPTY = SnapshotColumns.from([]);

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
  /** The saved snapshot and the changes saved beside it. */
  readonly #stored: StoredSnapshot;
  /** The saved snapshot, once read: null when there was none (a first start) or it was unreadable. */
  #saved: SnapshotColumns | null = null;
  #loaded = false;
  /** Whether a snapshot was saved but could not be read (a ForceReload on resume). */
  #unreadable = false;
  /**
   * The tree as the watchers' initial scans find it (their stats), compared
   * with the saved snapshot as it comes: no second walk, no second picture
   * of the tree (see `#incomplete`).
   */
  #diff: TreeDiff | null = null;
  /** Whether the scan found an entry `#diff` could not take (no stats, or the store failed). */
  #incomplete = false;
  /** Null until the comparison of `resume()` is done. */
  #snapshot: LiveSnapshot | null = null;
  /**
   * The names of each saved listing (plain names), by the index of its
   * directory: made by `load()`, kept until `resume()`.
   */
  #savedNames = new Map<number, readonly string[]>();
  /** Directories found as saved, with saved names: their index in the saved snapshot. */
  readonly #savedDirs = new Map<string, number>();
  /** The listings of the directories the scan read, or took from the saved snapshot. */
  readonly #listings = new Map<string, DirListing>();
  /** How many directories the scan did not read: their names were the saved ones. */
  #fromSnapshot = 0;
  /** By device: whether its filesystem keeps ctimes as listings need (see `keepsCtime`). */
  readonly #ctimeDevices = new Map<number, boolean>();
  /** Paths of the events delivered during that walk: looked at again once it is done. */
  readonly #seenDuringWalk = new Set<string>();
  #timer: Subscription | null = null;
  #lastSaveMs = 0;
  #closed = false;

  constructor(options: SnapshotCheckpointOptions) {
    this.#options = options;
    this.#stored = new StoredSnapshot(options.store, options.name);
  }

  /**
   * Reads the saved snapshot: best before the watchers start (while the
   * watch thread starts), else the first `found()` does it. A store that
   * fails here is read again by `resume()`, which reports its error.
   */
  load(): void {
    try {
      this.#read();
    } catch {
      // resume() reads it again and reports the error.
    }
  }

  /** Reads the saved snapshot once. @throws what the store throws. */
  #read(): void {
    if (this.#loaded) return;
    const saved = this.#stored.read();
    this.#loaded = true;
    this.#saved = saved ?? null;
    this.#unreadable = saved === null;
    if (this.#saved !== null) this.#savedNames = listingNames(this.#saved);
    const once = this.#options.roots.length === 1;
    this.#diff = new TreeDiff(this.#saved ?? EMPTY, once, this.#saved === null);
  }

  /**
   * An entry a root's initial scan found, with the stats its watcher read:
   * compared as `walkTree` would find it (single files only, the root's own
   * directory and ignored entries left out).
   */
  found(root: WatchRoot, path: string, stats: Stats | undefined): void {
    if (!this.#loaded) this.load();
    const diff = this.#diff;
    if (this.#snapshot !== null || path === root.dir) return;
    // Not read (the store failed), or no stats: resume() walks the tree itself.
    if (diff === null || stats === undefined) {
      this.#incomplete = true;
      return;
    }
    if (root.files !== null && !root.files.has(path)) return;
    const { ignore } = this.#options;
    if (ignore.byPath(path) || ignore.byStats(path, stats)) return;
    const i = diff.found(path, stats);
    if (i >= 0 && stats.isDirectory() && this.#savedNames.has(i)) {
      this.#savedDirs.set(path, i);
    }
  }

  /**
   * The names of directory `dir`, found by the scan and now watched (its
   * `stats` read since), when the saved snapshot vouches for them: the same
   * directory (identity), its ctime the saved one, on a filesystem that
   * keeps ctimes (see dir-listings.ts). Else undefined: the scan reads it.
   */
  names(dir: string, stats: Stats): readonly string[] | undefined {
    const i = this.#savedDirs.get(dir);
    const saved = this.#saved;
    if (i === undefined || saved === null) return undefined;
    const names = this.#savedNames.get(i);
    if (names === undefined || saved.listings.of(i)?.ctimeMs !== stats.ctimeMs) return undefined;
    if (!saved.matches(i, stats) || !this.#keepsCtime(stats.dev, dir)) return undefined;
    // Its saved listing holds, and the snapshot keeps it: not one of the changes to save.
    this.#fromSnapshot++;
    return names;
  }

  /**
   * The scan read directory `dir` (`names` names; its `stats` read at
   * `readAt` or later, before the read): kept to vouch for it next time when
   * its ctime was settled then.
   */
  listed(dir: string, stats: Stats, names: number, readAt: number): void {
    if (!settled(stats.ctimeMs, readAt) || !this.#keepsCtime(stats.dev, dir)) return;
    this.#listings.set(dir, { ctimeMs: stats.ctimeMs, names });
  }

  #keepsCtime(dev: number, path: string): boolean {
    let keeps = this.#ctimeDevices.get(dev);
    if (keeps === undefined) {
      keeps = (this.#options.keepsCtime ?? keepsCtime)(path);
      this.#ctimeDevices.set(dev, keeps);
    }
    return keeps;
  }

  /**
   * Reports the changes made while the source was not watching, then saves
   * the snapshot (soon after, not before the source is ready: a crash in
   * between reports those changes again, it loses none).
   */
  async resume(context: SourceContext): Promise<void> {
    const { name, roots, depth, ignore, scheduler } = this.#options;
    this.#read();
    let diff = this.#incomplete ? null : this.#diff;
    this.#diff = null;
    if (diff === null) {
      // A watcher did not say what it found: walk the tree.
      const walked = new TreeDiff(this.#saved ?? EMPTY, roots.length === 1, this.#saved === null);
      await walkTree(roots, depth, ignore, (path, stats) => walked.found(path, stats));
      diff = walked;
    }
    if (this.#closed) return;
    const { events, snapshot } = diff.finish(roots, scheduler.now(), this.#listings);
    // Directories unchanged since they were read: their names were taken from the snapshot.
    context.count('dirsFromSnapshot', this.#fromSnapshot);
    const leftAside = this.#stored.leftAside;
    if (leftAside !== null)
      context.log('tree snapshot %s: changes saved beside it left aside (%s)', name, leftAside);
    if (this.#unreadable) {
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
    } else if (this.#saved !== null) {
      context.log('%d change(s) while not watching', events.length);
      for (const event of events) context.next(event);
    }
    this.#saved = null;
    this.#savedNames.clear();
    this.#savedDirs.clear();
    this.#snapshot = snapshot;
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
    const snapshot = this.#snapshot;
    if (event.action === Action.FileRenamed && oldPath !== undefined) snapshot.deleteTree(oldPath);
    if (event.action === Action.FileDeleted) snapshot.deleteTree(event.actorId);
    else if (event.action !== Action.ForceReload) this.#refresh(event.actorId);
    this.#scheduleSave();
  }

  /**
   * Saves the whole snapshot (once the first walk is done: the next start
   * reads no changes beside it) and stops: no timer is left. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#timer?.unsubscribe();
    this.#timer = null;
    this.#save(true);
    this.#closed = true;
  }

  #refresh(path: string): void {
    const snapshot = this.#snapshot as LiveSnapshot;
    const entry = statEntry(path);
    if (entry === null) snapshot.deleteTree(path);
    else if (entry.dir && snapshot.get(path)?.dir !== true) {
      // A directory that appeared (or moved here) with its entries: they are known from now on.
      snapshot.set(path, entry);
      void walkTree(
        [{ dir: path, files: null, covered: -1 }],
        this.#options.depth,
        this.#options.ignore,
        (innerPath, stats) => this.#snapshot?.set(innerPath, snapshotEntry(stats)),
      );
    } else snapshot.set(path, entry);
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

  /** Saves the changes since the snapshot saved last, or (`whole`, or many) the whole snapshot. */
  #save(whole = false): void {
    if (this.#snapshot === null || this.#closed) return;
    const start = performance.now();
    this.#stored.save(this.#snapshot, whole);
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
