import { FieldTooLongError } from './protocol-errors.ts';

/** Bytes in every fixed JFS string field. */
export const FIELD_SIZE = 255;

/** Bytes in one event record: `field(name) || u32be op || field(key)`. */
export const EVENT_RECORD_SIZE = FIELD_SIZE + 4 + FIELD_SIZE;

/**
 * Throws a {@link FieldTooLongError} naming `field` when `value` is longer
 * than {@link FIELD_SIZE} UTF-8 bytes (Go truncates silently; we refuse).
 */
export function checkField(field: string, value: string): void {
  // At most 3 UTF-8 bytes per UTF-16 unit: short strings need no counting.
  if (value.length * 3 <= FIELD_SIZE) return;
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > FIELD_SIZE) throw new FieldTooLongError(field, value, bytes);
}

/**
 * Writes `value` as a 255-byte field at `offset` of a zero-filled `target`
 * (the NUL padding is already there).
 */
export function writeField(target: Buffer, offset: number, field: string, value: string): void {
  checkField(field, value);
  target.write(value, offset, FIELD_SIZE, 'utf8');
}

/**
 * Reads the 255-byte field at `offset`: NUL bytes are stripped from both ends
 * (not cut at the first NUL), the rest is decoded as UTF-8.
 */
export function readField(source: Buffer, offset: number): string {
  let start = offset;
  let end = offset + FIELD_SIZE;
  while (start < end && source[start] === 0) start++;
  while (end > start && source[end - 1] === 0) end--;
  return start === end ? '' : source.toString('utf8', start, end);
}
