import { sep } from 'node:path';
import type { DirListing } from './dir-listings.ts';
import type { SnapshotChanges } from './snapshot-changes.ts';
import { ColumnWriter, type SnapshotColumns, type SnapshotEntry } from './snapshot-columns.ts';

/**
 * The snapshot a running file source keeps up to date: the columns it
 * resumed from, plus what changed since (an entry per path changed, added
 * or gone). A restart that finds most of the tree as it was builds no object
 * per entry; the changes are folded back into columns when they grow to a
 * good part of the tree.
 */
export class LiveSnapshot {
  #base: SnapshotColumns;
  /** Entries of the base that are gone (1), by index. */
  #removed: Uint8Array;
  /** How many are. */
  #removedCount = 0;
  /** Paths changed or added since the base: their entry now, or null when gone. */
  readonly #changes = new Map<string, SnapshotEntry | null>();

  /** For paths added since `base`, the entry of `base` they come after (-1: first); the others last. */
  #after: ReadonlyMap<string, number>;
  /** Directories listed since `base` was saved (the others keep the listing saved with them). */
  #listings: ReadonlyMap<string, DirListing>;

  /**
   * @param removed Flags, by index of `base`: entries gone (taken, not copied).
   * @param changes Entries changed or added since `base`.
   * @param after Where added paths go among the entries of `base` (where a scan found them).
   * @param listings Directories listed since `base` was saved, by path.
   */
  constructor(
    base: SnapshotColumns,
    removed: Uint8Array,
    changes: Iterable<readonly [string, SnapshotEntry | null]>,
    after: ReadonlyMap<string, number> = new Map(),
    listings: ReadonlyMap<string, DirListing> = new Map(),
  ) {
    this.#listings = listings;
    this.#base = base;
    this.#removed = removed;
    this.#after = after;
    for (const [path, entry] of changes) this.#changes.set(path, entry);
    for (let i = 0; i < removed.length; i++) this.#removedCount += removed[i] === 1 ? 1 : 0;
  }

  /** The snapshot `changes` make of `base` (see {@link LiveSnapshot.changesSince}). */
  static of(base: SnapshotColumns, changes: SnapshotChanges): LiveSnapshot {
    const removed = new Uint8Array(base.length);
    for (const i of changes.removed) removed[i] = 1;
    return new LiveSnapshot(
      base,
      removed,
      changes.changed,
      new Map(changes.after),
      new Map(changes.listings),
    );
  }

  /** Entries in the columns it started from (or last folded into). */
  get baseLength(): number {
    return this.#base.length;
  }

  /** How much {@link LiveSnapshot.changesSince} holds: entries gone, changed or added, directories listed. */
  get pending(): number {
    return this.#removedCount + this.#changes.size + this.#listings.size;
  }

  /** What changed since the columns it started from (or last folded into): to save beside them. */
  changesSince(): SnapshotChanges {
    const removed: number[] = [];
    for (let i = 0; i < this.#removed.length; i++) if (this.#removed[i] === 1) removed.push(i);
    const after: [string, number][] = [];
    for (const [path, entry] of this.#changes) {
      const at = entry === null ? undefined : this.#after.get(path);
      if (at !== undefined) after.push([path, at]);
    }
    return { removed, changed: [...this.#changes], after, listings: [...this.#listings] };
  }

  /** How many entries are kept beside the columns (changed, added or gone since they were made). */
  get changes(): number {
    return this.#changes.size;
  }

  get(path: string): SnapshotEntry | undefined {
    const changed = this.#changes.get(path);
    if (changed !== undefined) return changed ?? undefined;
    const i = this.#base.indexOf(path);
    return i < 0 || this.#removed[i] === 1 ? undefined : this.#base.entry(i);
  }

  set(path: string, entry: SnapshotEntry): void {
    this.#changes.set(path, entry);
  }

  delete(path: string): void {
    const i = this.#base.indexOf(path);
    if (i >= 0 && this.#removed[i] !== 1) this.#changes.set(path, null);
    else this.#changes.delete(path);
  }

  /** Deletes `path` and, when it is a directory, everything below it. */
  deleteTree(path: string): void {
    if (this.get(path)?.dir === true) {
      const prefix = path + sep;
      const base = this.#base;
      for (let i = 0; i < base.length; i++) {
        if (this.#removed[i] !== 1 && base.isBelow(i, path)) this.#changes.set(base.path(i), null);
      }
      for (const key of this.#changes.keys()) if (key.startsWith(prefix)) this.delete(key);
    }
    this.delete(path);
  }

  /**
   * Every path and entry: those of the base in its order, each added one
   * after the entry it was found after, then the ones added while watching.
   */
  *entries(): IterableIterator<[string, SnapshotEntry]> {
    const columns = this.columns();
    for (let i = 0; i < columns.length; i++) yield [columns.path(i), columns.entry(i)];
  }

  /**
   * The checkpoint text (format 3, see {@link SnapshotColumns}), in the order
   * of `entries()`. With `fold`, the changes are folded into the columns
   * (`changesSince()` is then empty).
   */
  encode(fold = false): string {
    const writer = this.#written();
    if (fold) {
      this.#base = writer.finish();
      this.#removed = new Uint8Array(this.#base.length);
      this.#removedCount = 0;
      this.#changes.clear();
      this.#after = new Map();
      this.#listings = new Map();
    }
    return writer.encode();
  }

  /** The snapshot as columns of its own. */
  columns(): SnapshotColumns {
    return this.#written().finish();
  }

  /**
   * Every entry, in the order of `entries()`, into a writer: the entries of
   * the base between two that changed (gone, changed, listed since, or with
   * an entry added after them) are copied as one run, no string each.
   */
  #written(): ColumnWriter {
    const writer = new ColumnWriter(this.#base.length + this.#changes.size);
    const base = this.#base;
    const removed = this.#removed;
    const listings = this.#listings;
    const add = (path: string, entry: SnapshotEntry): void =>
      writer.add(path, entry, entry.dir ? listings.get(path) : undefined);
    /** Entries of the base that are not copied as they are: their entry now, or null (gone). */
    const changed = new Map<number, SnapshotEntry | null>();
    /** The paths added (not in the base) by the base entry they come after; the unplaced ones last. */
    const added = new Map<number, [string, SnapshotEntry][]>();
    for (const [path, entry] of this.#changes) {
      const i = base.indexOf(path);
      if (i >= 0 && removed[i] !== 1) changed.set(i, entry);
      else if (entry !== null) {
        const place = this.#after.get(path) ?? base.length;
        const list = added.get(place);
        if (list === undefined) added.set(place, [[path, entry]]);
        else list.push([path, entry]);
      }
    }
    for (const path of listings.keys()) {
      const i = base.indexOf(path);
      if (i >= 0 && removed[i] !== 1 && !changed.has(i)) changed.set(i, base.entry(i));
    }
    for (const [path, entry] of added.get(-1) ?? []) add(path, entry);
    let run = 0;
    for (let i = 0; i < base.length; i++) {
      if (removed[i] !== 1 && !changed.has(i) && !added.has(i)) continue;
      writer.copyRun(base, run, i);
      run = i + 1;
      const entry = changed.get(i);
      if (removed[i] === 1 || entry === null) {
        // Gone.
      } else if (entry === undefined) writer.copyRun(base, i, i + 1);
      else add(base.path(i), entry);
      for (const [path, value] of added.get(i) ?? []) add(path, value);
    }
    writer.copyRun(base, run, base.length);
    for (const [path, entry] of added.get(base.length) ?? []) add(path, entry);
    return writer;
  }
}
