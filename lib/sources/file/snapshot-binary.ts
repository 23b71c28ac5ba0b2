import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { LISTING_NUMBERS, SavedListings } from './dir-listings.ts';

/**
 * Text of a binary snapshot (format 2 or 3): this prefix (not base64: a format-1 snapshot never
 * has it), the inflated size in bytes, `:`, then base64.
 */
export const PREFIX = 'bwts2:';
const MAGIC = 0x53547742; // 'BwTS'
const HEADER_BYTES = 16;
/** Bytes per entry besides its path: its length, a kind byte and five 8-byte numbers. */
const ENTRY_BYTES = 45;
/** The largest snapshot read back, inflated: a hostile or corrupt one cannot take more memory. */
export const MAX_SNAPSHOT_BYTES = 1 << 30;

/** A snapshot's columns, as they are read from and written to the binary format. */
export interface ColumnParts {
  /** Every path, one after the other. */
  readonly text: string;
  /** Where each path starts in `text`, and the end of the last. */
  readonly starts: Uint32Array;
  readonly kinds: Uint8Array;
  /** Device, inode, birth time, size, modification time: a column each. */
  readonly numbers: readonly [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  readonly listings: SavedListings;
}

/** Where each path starts, and the end of the last, from the paths' lengths. */
export function startsOf(lengths: ArrayLike<number>): Uint32Array {
  const starts = new Uint32Array(lengths.length + 1);
  for (let i = 0; i < lengths.length; i++) {
    starts[i + 1] = (starts[i] as number) + (lengths[i] as number);
  }
  return starts;
}

/**
 * The checkpoint text of `n` entries (format 3, see {@link SnapshotColumns}):
 * their paths one after the other and each one's length (in UTF-16 code
 * units), kind bytes, numbers five per entry (device, inode, birth, size,
 * mtime), and listing records.
 */
export function encodeBinary(
  n: number,
  text: string,
  lengths: Uint32Array,
  kinds: Uint8Array,
  numbers: Float64Array,
  listings: Float64Array,
): string {
  const paths = Buffer.from(text);
  const pathsAt = HEADER_BYTES + 4 * n;
  const numbersAt = Math.ceil((pathsAt + paths.length + n) / 8) * 8;
  const buffer = Buffer.alloc(numbersAt + 40 * n + 8 + listings.byteLength);
  buffer.writeUInt32LE(MAGIC, 0);
  buffer.writeUInt32LE(3, 4);
  buffer.writeUInt32LE(n, 8);
  buffer.writeUInt32LE(paths.length, 12);
  new Uint32Array(buffer.buffer, buffer.byteOffset + HEADER_BYTES, n).set(lengths.subarray(0, n));
  paths.copy(buffer, pathsAt);
  buffer.set(kinds.subarray(0, n), pathsAt + paths.length);
  const columns = new Float64Array(buffer.buffer, buffer.byteOffset + numbersAt, 5 * n);
  for (let c = 0; c < 5; c++) {
    for (let i = 0; i < n; i++) columns[c * n + i] = numbers[5 * i + c] as number;
  }
  buffer.writeUInt32LE(listings.length / LISTING_NUMBERS, numbersAt + 40 * n);
  buffer.set(
    new Uint8Array(listings.buffer, listings.byteOffset, listings.byteLength),
    numbersAt + 40 * n + 8,
  );
  return `${PREFIX}${buffer.length}:${deflateRawSync(buffer, { level: 1 }).toString('base64')}`;
}

/** Reads a binary snapshot (format 2 or 3) back, or null when `text` is not one. @throws on bad base64 or deflate data. */
export function decodeBinary(text: string): ColumnParts | null {
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
  return { text: paths, starts, kinds, numbers: columns, listings };
}
