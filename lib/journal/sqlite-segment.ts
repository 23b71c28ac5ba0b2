import { constants, inflateRawSync, zstdCompressSync, zstdDecompressSync } from 'node:zlib';

const zstdLevel1 = { params: { [constants.ZSTD_c_compressionLevel]: 1 } };

/**
 * One record a line (JSON text never holds a raw newline), compressed with
 * zstd at level 1: about half the CPU of raw deflate at level 1 and a smaller
 * row (segments of files written before were raw deflate; both are read).
 */
export function packRecords(records: readonly string[]): Uint8Array {
  return zstdCompressSync(records.join('\n'), zstdLevel1);
}

/** A zstd frame starts with these bytes; a raw deflate stream never does (its stored-block length check fails). */
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

/** The records of a segment (zstd, or raw deflate from an older file), or `null` when it does not unpack. */
export function unpackRecords(blob: Uint8Array): string[] | null {
  try {
    const zstd = ZSTD_MAGIC.every((byte, i) => blob[i] === byte);
    return (zstd ? zstdDecompressSync(blob) : inflateRawSync(blob)).toString('utf8').split('\n');
  } catch {
    return null;
  }
}

/** A dead letter's stored records (a JSON array of strings); a damaged one whole. */
export function parseRecords(text: string): string[] {
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed)) return parsed.map(String);
  } catch {
    // A damaged dead letter: returned whole so that it is still listed.
  }
  return [text];
}
