import type { Stats } from 'node:fs';
import { sep } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { type DirListing, LISTING_NUMBERS, listingRecords, SavedListings } from './dir-listings.ts';
import { PathTable } from './path-table.ts';
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
 * Text of a binary snapshot (format 2 or 3): this prefix (not base64: a format-1 snapshot never
 * has it), the inflated size in bytes, `:`, then base64.
 */
const PREFIX = 'bwts2:';
const MAGIC = 0x53547742; // 'BwTS'
const HEADER_BYTES = 16;
/** Bytes per entry besides its path: its length, a kind byte and five 8-byte numbers. */
const ENTRY_BYTES = 45;
/** The largest snapshot read back, inflated: a hostile or corrupt one cannot take more memory. */
export const MAX_SNAPSHOT_BYTES = 1 << 30;

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
      if (text.startsWith(PREFIX)) return decodeColumns(text);
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

  /** Path `i` from its character `from` on (a new string). */
  pathFrom(i: number, from: number): string {
    return this.#text.slice((this.#starts[i] as number) + from, this.#starts[i + 1]);
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

/** Builds columns, or a format-2 checkpoint, entry by entry. */
export class ColumnWriter {
  readonly #paths: string[] = [];
  #kinds = new Uint8Array(1024);
  #numbers = new Float64Array(5 * 1024);
  /** Listings by the index of their directory (kept by the encoding only if they still hold). */
  readonly #listed = new Map<number, DirListing>();
  /** The listing records of the entries so far, once asked for (by `finish()`, then `encode()`). */
  #records: Float64Array | null = null;

  /** Adds entry `i` of `columns` as it is (no object made), with its saved listing or `listing`. */
  copy(
    columns: SnapshotColumns,
    i: number,
    listing: DirListing | undefined = columns.isDir(i) ? columns.listings.of(i) : undefined,
  ): void {
    const { kinds, dev, ino, birth, size, mtime } = columns;
    const n = this.#put(columns.path(i), kinds[i] as number, listing);
    this.#numbers[n] = dev[i] as number;
    this.#numbers[n + 1] = ino[i] as number;
    this.#numbers[n + 2] = birth[i] as number;
    this.#numbers[n + 3] = size[i] as number;
    this.#numbers[n + 4] = mtime[i] as number;
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

  /** Adds an entry's path and kind byte; where its five numbers go (device, inode, birth, size, mtime). */
  #put(path: string, kind: number, listing?: DirListing): number {
    const n = this.#grow();
    if (listing !== undefined) this.#listed.set(n, listing);
    this.#paths.push(path);
    this.#kinds[n] = kind;
    return 5 * n;
  }

  /** The columns written so far. */
  finish(): SnapshotColumns {
    const n = this.#paths.length;
    const numbers = Array.from({ length: 5 }, () => new Float64Array(n));
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < 5; c++) {
        (numbers[c] as Float64Array)[i] = this.#numbers[5 * i + c] as number;
      }
    }
    return new SnapshotColumns(
      this.#paths.join(''),
      startsOf(this.#paths.map((path) => path.length)),
      this.#kinds.slice(0, n),
      numbers as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array],
      new SavedListings(this.#listingRecords()),
    );
  }

  /** The checkpoint text. */
  encode(): string {
    const n = this.#paths.length;
    const paths = Buffer.from(this.#paths.join(''));
    const pathsAt = HEADER_BYTES + 4 * n;
    const numbersAt = Math.ceil((pathsAt + paths.length + n) / 8) * 8;
    const listings = this.#listingRecords();
    const buffer = Buffer.alloc(numbersAt + 40 * n + 8 + listings.byteLength);
    buffer.writeUInt32LE(MAGIC, 0);
    buffer.writeUInt32LE(3, 4);
    buffer.writeUInt32LE(n, 8);
    buffer.writeUInt32LE(paths.length, 12);
    const lengths = new Uint32Array(buffer.buffer, buffer.byteOffset + HEADER_BYTES, n);
    for (let i = 0; i < n; i++) lengths[i] = (this.#paths[i] as string).length;
    paths.copy(buffer, pathsAt);
    buffer.set(this.#kinds.subarray(0, n), pathsAt + paths.length);
    const columns = new Float64Array(buffer.buffer, buffer.byteOffset + numbersAt, 5 * n);
    for (let c = 0; c < 5; c++) {
      for (let i = 0; i < n; i++) columns[c * n + i] = this.#numbers[5 * i + c] as number;
    }
    buffer.writeUInt32LE(listings.length / LISTING_NUMBERS, numbersAt + 40 * n);
    buffer.set(new Uint8Array(listings.buffer), numbersAt + 40 * n + 8);
    return `${PREFIX}${buffer.length}:${deflateRawSync(buffer, { level: 1 }).toString('base64')}`;
  }

  #listingRecords(): Float64Array {
    this.#records ??= listingRecords(this.#paths, this.#listed);
    return this.#records;
  }

  /** The index the next entry gets, with room for it. */
  #grow(): number {
    this.#records = null;
    const n = this.#paths.length;
    if (n === this.#kinds.length) {
      const kinds = new Uint8Array(2 * n);
      kinds.set(this.#kinds);
      this.#kinds = kinds;
      const numbers = new Float64Array(10 * n);
      numbers.set(this.#numbers);
      this.#numbers = numbers;
    }
    return n;
  }
}

/** Where each path starts, and the end of the last, from the paths' lengths. */
function startsOf(lengths: ArrayLike<number>): Uint32Array {
  const starts = new Uint32Array(lengths.length + 1);
  for (let i = 0; i < lengths.length; i++) {
    starts[i + 1] = (starts[i] as number) + (lengths[i] as number);
  }
  return starts;
}

function decodeColumns(text: string): SnapshotColumns | null {
  // The inflated size first: inflated in one piece (no chunks to join), and bounded.
  const colon = text.indexOf(':', PREFIX.length);
  const size = Number(text.slice(PREFIX.length, colon));
  if (
    colon < 0 ||
    !Number.isSafeInteger(size) ||
    size < HEADER_BYTES ||
    size > MAX_SNAPSHOT_BYTES
  ) {
    return null;
  }
  const buffer = inflateRawSync(Buffer.from(text.slice(colon + 1), 'base64'), {
    chunkSize: Math.max(size, 64),
    maxOutputLength: size,
  });
  if (buffer.length !== size) return null;
  const format = buffer.readUInt32LE(4);
  if (buffer.readUInt32LE(0) !== MAGIC || (format !== 2 && format !== 3)) return null;
  const n = buffer.readUInt32LE(8);
  const pathBytes = buffer.readUInt32LE(12);
  const pathsAt = HEADER_BYTES + 4 * n;
  const numbersAt = Math.ceil((pathsAt + pathBytes + n) / 8) * 8;
  // Every size is checked against what is there before anything is allocated for it.
  const listingsAt = numbersAt + 40 * n;
  const listingCount = format === 3 && listingsAt + 8 <= size ? buffer.readUInt32LE(listingsAt) : 0;
  const end = format === 2 ? listingsAt : listingsAt + 8 + 8 * LISTING_NUMBERS * listingCount;
  if (n * ENTRY_BYTES > size || end !== size) return null;
  const lengths = new Uint32Array(n);
  new Uint8Array(lengths.buffer).set(buffer.subarray(HEADER_BYTES, pathsAt));
  const starts = startsOf(lengths);
  const paths = buffer.toString('utf8', pathsAt, pathsAt + pathBytes);
  // Lengths that do not add up to the paths (or an empty path): not a snapshot written here.
  if (starts[n] !== paths.length || lengths.includes(0)) return null;
  const kindsAt = pathsAt + pathBytes;
  const kinds = new Uint8Array(buffer.subarray(kindsAt, kindsAt + n));
  const at = buffer.byteOffset + numbersAt;
  // A view when the numbers are 8-byte aligned in memory (they are in a buffer of their own), else a copy.
  const numbers =
    at % 8 === 0
      ? new Float64Array(buffer.buffer, at, 5 * n)
      : new Float64Array(new Uint8Array(buffer.subarray(numbersAt, listingsAt)).buffer);
  const column = (c: number): Float64Array => numbers.subarray(c * n, (c + 1) * n);
  const listings = new SavedListings(
    new Float64Array(new Uint8Array(buffer.subarray(Math.min(listingsAt + 8, size))).buffer),
  );
  if (!listings.fits(n)) return null;
  const columns = [column(0), column(1), column(2), column(3), column(4)] as const;
  return new SnapshotColumns(paths, starts, kinds, columns, listings);
}
