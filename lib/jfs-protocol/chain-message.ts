/**
 * A stream entry as this project's daemons publish it on the chain channel
 * (`NotifyNames.chain`), with the id of the entry before it in the stream:
 *
 *     <prev id> <id> <field count> <length of each field...>\n<the fields, one after the other>
 *
 * ids as Redis writes them (`1700000000000-0`; `0-0` before a stream's first
 * entry), lengths in bytes, in decimal. Written by the daemon's Lua script
 * (see `feed-script.ts`) in the same script as the entry, so `prev` is the
 * entry right before it: nothing can come between them.
 */
export interface ChainMessage {
  readonly prev: string;
  readonly id: string;
  /** Views of the message's bytes. */
  readonly fields: readonly Buffer[];
}

/**
 * The largest entry (bytes of fields) published on the chain channel: the
 * entries of a daemon at rest (one change each, about 100 bytes). A burst's
 * entries are read from the stream, in reads of many: sending them twice
 * would only cost.
 */
export const CHAIN_MAX_BYTES = 4096;

/** Most fields an entry of the chain has (a daemon writes 2, 4 or 6). */
const MAX_FIELDS = 64;
/**
 * The longest header: two ids and a space after each, a count of 2 digits,
 * and MAX_FIELDS lengths of a space and 10 digits each.
 */
const MAX_HEADER = 2 * (41 + 1) + 2 + MAX_FIELDS * 11;
const NEWLINE = 0x0a;
const SPACE = 0x20;
const DASH = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
/** The largest part of a stream id Redis accepts (an unsigned 64-bit number), and its digits. */
const MAX_PART = '18446744073709551615';
const MAX_PART_DIGITS = MAX_PART.length;

/**
 * The entry in `message`, or null when it is not one written as above (a
 * channel is untrusted: anyone who may PUBLISH can write there). Never
 * throws; allocates nothing for a message it refuses. The header is read
 * byte by byte, not as a string: at rest this runs once per change, with
 * nothing of it in the processor's caches.
 */
export function parseChainMessage(message: Buffer): ChainMessage | null {
  const end = message.indexOf(NEWLINE);
  if (end < 0 || end > MAX_HEADER) return null;
  const prevEnd = streamIdEnd(message, 0, end);
  if (prevEnd < 0 || message[prevEnd] !== SPACE) return null;
  const idEnd = streamIdEnd(message, prevEnd + 1, end);
  if (idEnd < 0 || message[idEnd] !== SPACE) return null;
  const countEnd = digitsEnd(message, idEnd + 1, end, 2);
  if (countEnd < 0) return null;
  const count = decimal(message, idEnd + 1, countEnd);
  if (count > MAX_FIELDS) return null;
  // Then ` <length>` per field up to the newline, the lengths adding up to the bytes after it.
  let lengths = 0;
  let total = 0;
  for (let at = countEnd; at < end; ) {
    const next = message[at] === SPACE ? digitsEnd(message, at + 1, end, 10) : -1;
    if (next < 0) return null;
    total += decimal(message, at + 1, next);
    lengths++;
    at = next;
  }
  if (lengths !== count || end + 1 + total !== message.length) return null;
  const fields: Buffer[] = [];
  let field = end + 1;
  for (let at = countEnd; at < end; ) {
    const next = digitsEnd(message, at + 1, end, 10);
    const length = decimal(message, at + 1, next);
    fields.push(message.subarray(field, field + length));
    field += length;
    at = next;
  }
  return {
    prev: message.toString('latin1', 0, prevEnd),
    id: message.toString('latin1', prevEnd + 1, idEnd),
    fields,
  };
}

/** Where the run of 1 to `most` digits at `at` (before `end`) ends, or -1 when there is none. */
function digitsEnd(bytes: Buffer, at: number, end: number, most: number): number {
  let next = at;
  while (
    next < end &&
    next - at < most &&
    (bytes[next] as number) >= ZERO &&
    (bytes[next] as number) <= NINE
  )
    next++;
  return next === at ? -1 : next;
}

/** The digits from `from` to `to` as a number (at most 10 of them here: exact). */
function decimal(bytes: Buffer, from: number, to: number): number {
  let value = 0;
  for (let at = from; at < to; at++) value = value * 10 + (bytes[at] as number) - ZERO;
  return value;
}

/**
 * Where the stream id at `at` ends (`<digits>-<digits>`, each part at most
 * {@link MAX_PART}: past it no `XREAD` could follow the entry), or -1.
 */
function streamIdEnd(bytes: Buffer, at: number, end: number): number {
  const time = digitsEnd(bytes, at, end, MAX_PART_DIGITS);
  if (time < 0 || bytes[time] !== DASH || !fits(bytes, at, time)) return -1;
  const sequence = digitsEnd(bytes, time + 1, end, MAX_PART_DIGITS);
  return sequence < 0 || !fits(bytes, time + 1, sequence) ? -1 : sequence;
}

/** Whether the digits from `from` to `to` are at most {@link MAX_PART}. */
function fits(bytes: Buffer, from: number, to: number): boolean {
  if (to - from < MAX_PART_DIGITS) return true;
  for (let i = 0; i < MAX_PART_DIGITS; i++) {
    const difference = (bytes[from + i] as number) - MAX_PART.charCodeAt(i);
    if (difference !== 0) return difference < 0;
  }
  return true;
}
