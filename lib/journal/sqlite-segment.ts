import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** One record a line (JSON text never holds a raw newline), deflated. */
export function packRecords(records: readonly string[]): Uint8Array {
  return deflateRawSync(records.join('\n'), { level: 1 });
}

/** The records of a segment, or `null` when it does not inflate. */
export function unpackRecords(blob: Uint8Array): string[] | null {
  try {
    return inflateRawSync(blob).toString('utf8').split('\n');
  } catch {
    return null;
  }
}

export function parseRecords(text: string): string[] {
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed)) return parsed.map(String);
  } catch {
    // A damaged dead letter: returned whole so that it is still listed.
  }
  return [text];
}
