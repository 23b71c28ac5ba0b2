import { sep } from 'node:path';
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
  /** Paths changed or added since the base: their entry now, or null when gone. */
  readonly #changes = new Map<string, SnapshotEntry | null>();

  /**
   * @param removed Flags, by index of `base`: entries gone (taken, not copied).
   * @param changes Entries changed or added since `base`.
   */
  constructor(
    base: SnapshotColumns,
    removed: Uint8Array,
    changes: Iterable<readonly [string, SnapshotEntry]>,
  ) {
    this.#base = base;
    this.#removed = removed;
    for (const [path, entry] of changes) this.#changes.set(path, entry);
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

  /** Every path and entry, in the base's order, then the added ones. */
  *entries(): IterableIterator<[string, SnapshotEntry]> {
    const base = this.#base;
    for (let i = 0; i < base.length; i++) {
      if (this.#removed[i] === 1) continue;
      const path = base.path(i);
      const changed = this.#changes.get(path);
      if (changed === undefined) yield [path, base.entry(i)];
      else if (changed !== null) yield [path, changed];
    }
    for (const [path, entry] of this.#changes) {
      if (entry !== null && !this.#inBase(path)) yield [path, entry];
    }
  }

  /** The checkpoint text (format 2, see {@link SnapshotColumns}). */
  encode(): string {
    const writer = new ColumnWriter();
    const base = this.#base;
    for (let i = 0; i < base.length; i++) {
      if (this.#removed[i] === 1) continue;
      const path = base.path(i);
      const changed = this.#changes.get(path);
      if (changed === undefined) writer.copy(base, i);
      else if (changed !== null) writer.add(path, changed);
    }
    for (const [path, entry] of this.#changes) {
      if (entry !== null && !this.#inBase(path)) writer.add(path, entry);
    }
    // Changes kept beside the columns cost an object each: fold them in once they are many.
    if (this.#changes.size > 1024 && this.#changes.size * 8 > base.length) {
      this.#base = writer.finish();
      this.#removed = new Uint8Array(this.#base.length);
      this.#changes.clear();
    }
    return writer.encode();
  }

  #inBase(path: string): boolean {
    const i = this.#base.indexOf(path);
    return i >= 0 && this.#removed[i] !== 1;
  }
}
