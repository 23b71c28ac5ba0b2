import type { Stats } from 'node:fs';
import { relative, sep } from 'node:path';
import { Action } from '../../events/action.ts';
import { createEvent, type Event, EventType } from '../../events/event.ts';
import { fileIdentity } from '../../local-watcher/file-identity.ts';
import type { DirListing } from './dir-listings.ts';
import { LiveSnapshot } from './live-snapshot.ts';
import { ColumnWriter, SnapshotColumns, type SnapshotEntry } from './snapshot-columns.ts';
import type { WatchRoot } from './watch-roots.ts';

/** The entry for `stats`. */
export function snapshotEntry(stats: Stats): SnapshotEntry {
  const id = fileIdentity(stats) ?? '';
  return { id, size: stats.size, mtimeMs: stats.mtimeMs, dir: stats.isDirectory() };
}

/** How many saved entries past the expected one a path is looked for (entries gone between). */
const LOOK_AHEAD = 256;
/** How many paths not where the scan expected them are looked up at the end, at most. */
const MAX_PENDING = 1024;

/** What a {@link TreeDiff} found: the events since the saved snapshot, and the snapshot now. */
export interface TreeDiffResult {
  readonly events: Event[];
  readonly snapshot: LiveSnapshot;
}

/**
 * Compares the tree as a scan finds it, entry by entry, with a saved
 * snapshot, without building a second picture of the tree: each path found
 * is looked up in the saved columns (first at the entry after the last one
 * found: a scan finds the tree in the order it was saved in, unless it
 * changed), marked seen and compared with its stats; only what differs
 * becomes an object. {@link TreeDiff.finish} then names the differences.
 */
export class TreeDiff {
  readonly #before: SnapshotColumns;
  readonly #seen: Uint8Array;
  #cursor = 0;
  /** Saved paths found with other stats, and their entry now. */
  readonly #changed = new Map<string, SnapshotEntry>();
  /** Saved files found written (another size, modification time or identity). */
  readonly #written: string[] = [];
  /** Paths not in the saved snapshot, and their entry. */
  readonly #added = new Map<string, SnapshotEntry>();
  /** For each added path, the saved entry the scan found it after (-1: before the first). */
  readonly #addedAfter = new Map<string, number>();

  /** With `once`: paths not where the scan expected them, where it found them, looked up at the end. */
  readonly #pending: [path: string, stats: Stats, after: number][] = [];
  #once: boolean;
  /** Whether {@link finish} names the differences (not on a first start). */
  readonly #reports: boolean;
  /** On a first start with one root: the tree found, as it will be saved. */
  readonly #tree: ColumnWriter | null;

  /**
   * @param before The saved snapshot; empty on a first start.
   * @param once Whether each path is found once at most (one root): then a
   *   path not where the scan expects it is looked up at the end among the
   *   saved entries not found, not in an index of every saved path.
   * @param first Nothing was saved (a first start, or a snapshot that could
   *   not be read): there is nothing to report, only the snapshot to make.
   */
  constructor(before: SnapshotColumns, once = false, first = false) {
    this.#before = before;
    this.#seen = new Uint8Array(before.length);
    this.#once = once;
    this.#reports = !first;
    // Each path found once: the tree goes straight into columns, no object per entry.
    this.#tree = first && once ? new ColumnWriter() : null;
  }

  /**
   * An entry of the tree now (a path found twice counts once); its saved
   * index, or -1 (not saved, or not where the scan expected it).
   */
  found(path: string, stats: Stats): number {
    if (this.#tree !== null) {
      this.#tree.addStats(path, stats);
      return -1;
    }
    let i = this.#ahead(path);
    if (i < 0) {
      if (this.#once) {
        this.#pending.push([path, stats, this.#cursor - 1]);
        // Many: the scan is not where the cursor is (a large part gone or moved): use the index.
        if (this.#pending.length > MAX_PENDING) this.#flush();
        return -1;
      }
      i = this.#before.indexOf(path);
      if (i < 0) {
        this.#add(path, snapshotEntry(stats), this.#cursor - 1);
        return -1;
      }
    }
    this.#cursor = i + 1;
    this.#compare(i, path, stats);
    return i;
  }

  /** The saved index of `path` when it is the entry after the last one found or one of the few after it (the entries between are gone), else -1. */
  #ahead(path: string): number {
    const before = this.#before;
    const end = Math.min(this.#cursor + LOOK_AHEAD, before.length);
    for (let i = this.#cursor; i < end; i++) if (before.pathIs(i, path)) return i;
    return -1;
  }

  #compare(i: number, path: string, stats: Stats): void {
    if (this.#seen[i] === 1) return;
    this.#seen[i] = 1;
    if (!this.#before.matches(i, stats)) this.#change(path, i, snapshotEntry(stats));
  }

  /** A path not saved, found after saved entry `after`: saved there next time, so that the next restart finds it in order too. */
  #add(path: string, entry: SnapshotEntry, after: number): void {
    this.#added.set(path, entry);
    this.#addedAfter.set(path, after);
  }

  /** Looks the pending paths up in the index of every saved path, and every later miss too. */
  #flush(): void {
    this.#once = false;
    for (const [path, stats, after] of this.#pending) {
      const i = this.#before.indexOf(path);
      if (i < 0) this.#add(path, snapshotEntry(stats), after);
      else {
        this.#cursor = i + 1;
        this.#compare(i, path, stats);
      }
    }
    this.#pending.length = 0;
  }

  /** The pending paths: saved entries not found otherwise, or new. */
  #settle(): void {
    if (this.#pending.length === 0) return;
    const before = this.#before;
    const unseen = new Map<string, number>();
    for (let i = 0; i < before.length; i++) if (this.#seen[i] !== 1) unseen.set(before.path(i), i);
    for (const [path, stats, after] of this.#pending) {
      const i = unseen.get(path);
      if (i === undefined) this.#add(path, snapshotEntry(stats), after);
      else this.#compare(i, path, stats);
    }
    this.#pending.length = 0;
  }

  /** An entry of the tree now, as an entry (for a snapshot taken apart from a scan). */
  foundEntry(path: string, entry: SnapshotEntry): void {
    const i = this.#before.indexOf(path);
    if (i < 0) this.#added.set(path, entry);
    else if (this.#seen[i] !== 1) {
      this.#seen[i] = 1;
      const then = this.#before.entry(i);
      const same =
        then.id === entry.id &&
        then.size === entry.size &&
        then.mtimeMs === entry.mtimeMs &&
        then.dir === entry.dir;
      if (!same) this.#change(path, i, entry);
    }
  }

  /** Saved entry `i` found as `now`: a write when it is a file then and now. */
  #change(path: string, i: number, now: SnapshotEntry): void {
    this.#changed.set(path, now);
    if (!now.dir && !this.#before.isDir(i)) this.#written.push(path);
  }

  /**
   * The events that turn the saved snapshot into the tree found, as the file
   * source names them (see root-watcher.ts): a path that vanished and one
   * that appeared with the same identity (device, inode, birth time) is a
   * FileRenamed (a directory's entries moved with it are not reported
   * again); gone is FileDeleted, new is FileCreated; a file whose size,
   * modification time or identity changed is FileWritten (an atomic save
   * replaces the file). Order: renames, deletions (deepest first), creations
   * (parents first), writes. And the snapshot of the tree found, with the
   * directory `listings` the scan made. Call it once.
   */
  finish(
    roots: readonly WatchRoot[],
    time: number,
    listings: ReadonlyMap<string, DirListing> = new Map(),
  ): TreeDiffResult {
    if (this.#tree !== null) {
      const tree = this.#tree.finish();
      const removed = new Uint8Array(tree.length);
      return { events: [], snapshot: new LiveSnapshot(tree, removed, [], new Map(), listings) };
    }
    this.#settle();
    const before = this.#before;
    const gone = new Map<string, SnapshotEntry>();
    // The seen flags become the removed ones of the snapshot now.
    const removed = this.#seen;
    for (let i = 0; i < removed.length; i++) {
      const seen = removed[i] === 1;
      removed[i] = seen ? 0 : 1;
      if (!seen) gone.set(before.path(i), before.entry(i));
    }
    const snapshot = new LiveSnapshot(
      before,
      removed,
      [...this.#changed, ...this.#added],
      this.#addedAfter,
      listings,
    );
    const events = this.#reports ? this.#events(gone, roots, time) : [];
    return { events, snapshot };
  }

  #events(gone: Map<string, SnapshotEntry>, roots: readonly WatchRoot[], time: number): Event[] {
    const added = this.#added;
    const written = [...this.#written];
    const now = (path: string): SnapshotEntry =>
      (added.get(path) ?? this.#changed.get(path)) as SnapshotEntry;
    const addedById = new Map<string, string>();
    for (const [path, entry] of added) {
      if (entry.id !== '') addedById.set(`${entry.id}:${entry.dir}`, path);
    }
    const renamedTo = new Map<string, string>();
    for (const [path, entry] of gone) {
      const target = entry.id === '' ? undefined : addedById.get(`${entry.id}:${entry.dir}`);
      if (target !== undefined) {
        renamedTo.set(path, target);
        addedById.delete(`${entry.id}:${entry.dir}`);
      }
    }
    // An entry that moved with its renamed directory is told by the directory's rename.
    const movedDirs = [...renamedTo].filter(([from]) => gone.get(from)?.dir === true);
    const movedWith = (from: string, to: string): boolean =>
      movedDirs.some(
        ([dirFrom, dirTo]) =>
          from.startsWith(dirFrom + sep) && to === dirTo + from.slice(dirFrom.length),
      );
    const renamedTargets = new Set(renamedTo.values());
    const events: Event[] = [];
    for (const [from, to] of [...renamedTo].sort(([a], [b]) => compare(a, b))) {
      if (movedWith(from, to)) continue;
      events.push(fileEvent(roots, Action.FileRenamed, to, now(to), time, from));
    }
    const deleted = [...gone.keys()].filter((path) => !renamedTo.has(path));
    for (const path of deleted.sort((a, b) => compare(b, a))) {
      events.push(
        fileEvent(roots, Action.FileDeleted, path, gone.get(path) as SnapshotEntry, time),
      );
    }
    const created = [...added.keys()].filter((path) => !renamedTargets.has(path)).sort(compare);
    for (const path of created) {
      events.push(fileEvent(roots, Action.FileCreated, path, now(path), time));
    }
    // A renamed file written afterwards: compare it with what it was under its old name.
    for (const [from, to] of renamedTo) {
      const then = gone.get(from) as SnapshotEntry;
      const entry = now(to);
      if (!entry.dir && (then.size !== entry.size || then.mtimeMs !== entry.mtimeMs)) {
        written.push(to);
      }
    }
    for (const path of written.sort(compare)) {
      events.push(fileEvent(roots, Action.FileWritten, path, now(path), time));
    }
    return events;
  }
}

/** The events that turn snapshot `before` into `after` (see {@link TreeDiff.finish}). */
export function diffSnapshots(
  before: Iterable<readonly [string, SnapshotEntry]>,
  after: Iterable<readonly [string, SnapshotEntry]>,
  roots: readonly WatchRoot[],
  time: number,
): Event[] {
  const diff = new TreeDiff(SnapshotColumns.from(before));
  for (const [path, entry] of after) diff.foundEntry(path, entry);
  return diff.finish(roots, time).events;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The root that names `path`: the outermost directory root containing it, or its single-file root. */
function rootOf(roots: readonly WatchRoot[], path: string): WatchRoot | undefined {
  return (
    roots.find((root) => root.files?.has(path) === true) ??
    roots
      .filter((root) => root.files === null && path.startsWith(root.dir + sep))
      .sort((a, b) => a.dir.length - b.dir.length)[0]
  );
}

function fileEvent(
  roots: readonly WatchRoot[],
  action: Action,
  path: string,
  entry: SnapshotEntry,
  time: number,
  oldPath?: string,
): Event {
  const root = rootOf(roots, path) ?? rootOf(roots, oldPath ?? path);
  const dir = root?.dir ?? '';
  const attributes: Record<string, string> = {
    path,
    root: dir,
    kind: entry.dir ? 'directory' : 'file',
  };
  if (oldPath !== undefined) attributes['oldPath'] = oldPath;
  return createEvent({
    type: EventType.File,
    actorName: relative(dir, path) || '.',
    actorId: path,
    actorAttributes: Object.freeze(attributes),
    action,
    time,
    ...(oldPath === undefined ? {} : { oldName: relative(dir, oldPath) }),
  });
}
