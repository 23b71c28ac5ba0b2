import type { Stats } from 'node:fs';
import { sep } from 'node:path';
import { type DirListing, hasSeparator, listingRecords, SavedListings } from './dir-listings.ts';
import { PathTable } from './path-table.ts';
import {
  decodeBinary,
  encodeBinary,
  MAX_SNAPSHOT_BYTES,
  PREFIX,
  startsOf,
} from './snapshot-binary.ts';
import { snapshotRows } from './snapshot-rows.ts';

/** What a snapshot keeps of one path: identity, size, modification time, kind. */
export interface SnapshotEntry {
  /** Device, inode and birth time (see file-identity.ts): a rename keeps it, a new file does not. */
  readonly id: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly dir: boolean;
}

/** Kind byte: a directory. */
const DIR = 1;
/** Kind byte: no identity (no inode: some Windows and network filesystems). */
const NO_ID = 2;

/**
 * A tree snapshot as columns: the paths in one string (no string per
 * entry), the numbers in typed arrays (no object per entry), as it is
 * decoded from and encoded to a checkpoint. Format 3, binary, raw-deflated
 * at level 1, base64:
 *
 *     header   u32 magic 'BwTS', u32 format 3, u32 entries, u32 path bytes
 *     lengths  u32 each: the length of each path (in UTF-16 code units)
 *     paths    UTF-8, one after the other
 *     kinds    one byte each (1: directory, 2: no identity), padded to 8 bytes
 *     dev, ino, birth, size, mtime   one float64 column each
 *     listings u32 count, u32 0, then per listing four float64: directory,
 *              first child, children, ctime (see dir-listings.ts)
 *
 * Format 2 (the same without listings) and format 1 (JSON rows, deflated,
 * base64) are still read.
 */
export class SnapshotColumns {
  readonly length: number;
  /** Every path, one after the other; path `i` runs from `#starts[i]` to `#starts[i + 1]`. */
  readonly #text: string;
  readonly #starts: Uint32Array;
  readonly kinds: Uint8Array;
  readonly dev: Float64Array;
  readonly ino: Float64Array;
  readonly birth: Float64Array;
  readonly size: Float64Array;
  readonly mtime: Float64Array;
  /** The directories whose names the snapshot vouches for. */
  readonly listings: SavedListings;
  #table: PathTable | null = null;

  constructor(
    text: string,
    starts: Uint32Array,
    kinds: Uint8Array,
    numbers: readonly [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array],
    listings = SavedListings.NONE,
  ) {
    this.length = starts.length - 1;
    this.#text = text;
    this.#starts = starts;
    this.kinds = kinds;
    [this.dev, this.ino, this.birth, this.size, this.mtime] = numbers;
    this.listings = listings;
  }

  /** Columns for `entries`, in their order. */
  static from(entries: Iterable<readonly [string, SnapshotEntry]>): SnapshotColumns {
    const writer = new ColumnWriter();
    for (const [path, entry] of entries) writer.add(path, entry);
    return writer.finish();
  }

  /**
   * Reads a checkpoint back, or null when `text` is not a snapshot of either
   * format (corrupt, truncated, hostile: the caller then cannot tell what changed).
   */
  static decode(text: string): SnapshotColumns | null {
    try {
      if (text.startsWith(PREFIX)) {
        const parts = decodeBinary(text);
        if (parts === null) return null;
        return new SnapshotColumns(
          parts.text,
          parts.starts,
          parts.kinds,
          parts.numbers,
          parts.listings,
        );
      }
      const rows = snapshotRows(text, MAX_SNAPSHOT_BYTES);
      return rows === null ? null : SnapshotColumns.from(rows);
    } catch {
      return null;
    }
  }

  /** Path `i` (a new string). */
  path(i: number): string {
    return this.#text.slice(this.#starts[i], this.#starts[i + 1]);
  }

  /** Whether path `i` is `path` (no string made). */
  pathIs(i: number, path: string): boolean {
    const start = this.#starts[i] as number;
    return (
      (this.#starts[i + 1] as number) - start === path.length && this.#text.startsWith(path, start)
    );
  }

  /** Paths `from` to `to` (excluded), one after the other (one new string). */
  pathsOf(from: number, to: number): string {
    return this.#text.slice(this.#starts[from], this.#starts[to]);
  }

  /** How long path `i` is, in UTF-16 code units. */
  lengthOf(i: number): number {
    return (this.#starts[i + 1] as number) - (this.#starts[i] as number);
  }

  /**
   * The last parts of paths `first` to `first + count` (excluded) when each
   * is a plain name right below path `dir` (not empty, `.` or `..`, no
   * separator, no NUL: a snapshot is read as untrusted input), else undefined.
   */
  namesBelow(dir: number, first: number, count: number): string[] | undefined {
    const text = this.#text;
    const starts = this.#starts;
    const parent = this.path(dir);
    const cut = parent.length;
    const names: string[] = [];
    for (let k = 0; k < count; k++) {
      const start = starts[first + k] as number;
      const end = starts[first + k + 1] as number;
      if (end - start <= cut + 1 || !text.startsWith(parent, start)) return undefined;
      // The one character after `parent` a separator, the name after it none.
      if (!hasSeparator(text.charAt(start + cut))) return undefined;
      const name = text.slice(start + cut + 1, end);
      if (name === '.' || name === '..' || hasSeparator(name) || name.includes('\0'))
        return undefined;
      names.push(name);
    }
    return names;
  }

  /** Whether path `i` lies below directory `dir` (no string made). */
  isBelow(i: number, dir: string): boolean {
    const start = this.#starts[i] as number;
    return (
      (this.#starts[i + 1] as number) - start > dir.length + 1 &&
      this.#text.startsWith(dir, start) &&
      this.#text[start + dir.length] === sep
    );
  }

  /**
   * The index of `path`, or -1: through a table of the paths' hashes, built
   * on the first call, that holds no string (see path-table.ts).
   */
  indexOf(path: string): number {
    this.#table ??= new PathTable(this.#text, this.#starts);
    return this.#table.find(path, this);
  }

  isDir(i: number): boolean {
    return ((this.kinds[i] as number) & DIR) !== 0;
  }

  /** Whether entry `i` is what `stats` describe (each field a snapshot keeps). */
  matches(i: number, stats: Stats): boolean {
    const kind = this.kinds[i] as number;
    if (((kind & DIR) !== 0) !== stats.isDirectory()) return false;
    if (stats.size !== this.size[i] || stats.mtimeMs !== this.mtime[i]) return false;
    if (Number(stats.ino) === 0) return (kind & NO_ID) !== 0;
    return (
      (kind & NO_ID) === 0 &&
      stats.ino === this.ino[i] &&
      stats.dev === this.dev[i] &&
      stats.birthtimeMs === this.birth[i]
    );
  }

  /** Entry `i` as an object. */
  entry(i: number): SnapshotEntry {
    const kind = this.kinds[i] as number;
    return {
      id: (kind & NO_ID) !== 0 ? '' : `${this.dev[i]}:${this.ino[i]}:${this.birth[i]}`,
      size: this.size[i] as number,
      mtimeMs: this.mtime[i] as number,
      dir: (kind & DIR) !== 0,
    };
  }
}

/** Builds columns, or a format-3 checkpoint, entry by entry or by runs of entries. */
export class ColumnWriter {
  /** The paths so far, one after the other, in pieces (a path, or a run copied at once). */
  #pieces: string[] = [];
  #count = 0;
  #lengths: Uint32Array;
  #kinds: Uint8Array;
  #numbers: Float64Array;
  /** Listings by the index of their directory (kept by the encoding only if they still hold). */
  readonly #listed = new Map<number, DirListing>();
  /** The listing records of the entries so far, once asked for (by `finish()`, then `encode()`). */
  #records: Float64Array | null = null;

  /** @param capacity How many entries to make room for at first (it grows past them). */
  constructor(capacity = 1024) {
    const size = Math.max(16, capacity);
    this.#lengths = new Uint32Array(size);
    this.#kinds = new Uint8Array(size);
    this.#numbers = new Float64Array(5 * size);
  }

  /** Adds entry `i` of `columns` as it is (no object made), with its saved listing or `listing`. */
  copy(
    columns: SnapshotColumns,
    i: number,
    listing: DirListing | undefined = columns.isDir(i) ? columns.listings.of(i) : undefined,
  ): void {
    const n = this.#put(columns.path(i), columns.kinds[i] as number, listing);
    this.#copyNumbers(columns, i, n);
  }

  /**
   * Adds entries `from` to `to` (excluded) of `columns` as they are, with
   * their saved listings: their paths as one piece, no string per entry.
   */
  copyRun(columns: SnapshotColumns, from: number, to: number): void {
    if (to <= from) return;
    const n = this.#grow(to - from);
    this.#pieces.push(columns.pathsOf(from, to));
    this.#kinds.set(columns.kinds.subarray(from, to), n);
    for (let i = from; i < to; i++) {
      const at = n + i - from;
      this.#lengths[at] = columns.lengthOf(i);
      this.#copyNumbers(columns, i, 5 * at);
      const listing = columns.isDir(i) ? columns.listings.of(i) : undefined;
      if (listing !== undefined) this.#listed.set(at, listing);
    }
    this.#count += to - from;
  }

  add(path: string, entry: SnapshotEntry, listing?: DirListing): void {
    const [dev = 0, ino = 0, birth = 0] = entry.id === '' ? [] : entry.id.split(':').map(Number);
    const n = this.#put(path, (entry.dir ? DIR : 0) | (entry.id === '' ? NO_ID : 0), listing);
    this.#numbers.set([dev, ino, birth, entry.size, entry.mtimeMs], n);
  }

  /** Adds `path` as `stats` describe it: as `add(path, snapshotEntry(stats))`, with no object. */
  addStats(path: string, stats: Stats): void {
    const none = Number(stats.ino) === 0;
    const n = this.#put(path, (stats.isDirectory() ? DIR : 0) | (none ? NO_ID : 0));
    this.#numbers[n] = none ? 0 : stats.dev;
    this.#numbers[n + 1] = none ? 0 : stats.ino;
    this.#numbers[n + 2] = none ? 0 : stats.birthtimeMs;
    this.#numbers[n + 3] = stats.size;
    this.#numbers[n + 4] = stats.mtimeMs;
  }

  /** Writes entry `i`'s five numbers (device, inode, birth, size, mtime) at `at`. */
  #copyNumbers(columns: SnapshotColumns, i: number, at: number): void {
    this.#numbers[at] = columns.dev[i] as number;
    this.#numbers[at + 1] = columns.ino[i] as number;
    this.#numbers[at + 2] = columns.birth[i] as number;
    this.#numbers[at + 3] = columns.size[i] as number;
    this.#numbers[at + 4] = columns.mtime[i] as number;
  }

  /** Adds an entry's path and kind byte; where its five numbers go (device, inode, birth, size, mtime). */
  #put(path: string, kind: number, listing?: DirListing): number {
    const n = this.#grow(1);
    if (listing !== undefined) this.#listed.set(n, listing);
    this.#pieces.push(path);
    this.#lengths[n] = path.length;
    this.#kinds[n] = kind;
    this.#count++;
    return 5 * n;
  }

  /** The columns written so far. */
  finish(): SnapshotColumns {
    const n = this.#count;
    const numbers = Array.from({ length: 5 }, () => new Float64Array(n));
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 5; c++) {
        (numbers[c] as Float64Array)[i] = this.#numbers[5 * i + c] as number;
      }
    }
    const [text, starts] = this.#paths();
    return new SnapshotColumns(
      text,
      starts,
      this.#kinds.slice(0, n),
      numbers as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array],
      new SavedListings(this.#listingRecords()),
    );
  }

  /** The checkpoint text. */
  encode(): string {
    const [text] = this.#paths();
    const records = this.#listingRecords();
    return encodeBinary(this.#count, text, this.#lengths, this.#kinds, this.#numbers, records);
  }

  /** The paths so far as one string (joined once), and where each starts. */
  #paths(): [string, Uint32Array] {
    if (this.#pieces.length > 1) this.#pieces = [this.#pieces.join('')];
    return [this.#pieces[0] ?? '', startsOf(this.#lengths.subarray(0, this.#count))];
  }

  #listingRecords(): Float64Array {
    if (this.#records === null) {
      const [text, starts] = this.#paths();
      this.#records = listingRecords(text, starts, this.#listed);
    }
    return this.#records;
  }

  /** The index the next `count` entries start at, with room for them. */
  #grow(count: number): number {
    this.#records = null;
    const n = this.#count;
    if (n + count > this.#kinds.length) {
      const capacity = Math.max(2 * this.#kinds.length, n + count);
      this.#kinds = copyInto(new Uint8Array(capacity), this.#kinds);
      this.#lengths = copyInto(new Uint32Array(capacity), this.#lengths);
      this.#numbers = copyInto(new Float64Array(5 * capacity), this.#numbers);
    }
    return n;
  }
}

/** `to`, with `from` copied to its start. */
function copyInto<T extends Uint8Array | Uint32Array | Float64Array>(to: T, from: T): T {
  to.set(from);
  return to;
}
