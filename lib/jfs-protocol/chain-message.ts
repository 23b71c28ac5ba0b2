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
/** The longest header: two ids, a count and MAX_FIELDS lengths. */
const MAX_HEADER = 2 * 41 + 3 + MAX_FIELDS * 11;
const NEWLINE = 0x0a;
/** The header, checked whole in one match: two ids, a count, its lengths. */
const HEADER = /^(\d{1,20}-\d{1,20}) (\d{1,20}-\d{1,20}) (\d{1,2})((?: \d{1,10})*)$/;

/**
 * The entry in `message`, or null when it is not one written as above (a
 * channel is untrusted: anyone who may PUBLISH can write there). Never
 * throws; allocates nothing for a message it refuses past its header.
 */
export function parseChainMessage(message: Buffer): ChainMessage | null {
  const end = message.indexOf(NEWLINE);
  if (end < 0 || end > MAX_HEADER) return null;
  const head = HEADER.exec(message.toString('latin1', 0, end));
  if (head === null) return null;
  const [, prev, id, count, list] = head as unknown as [string, string, string, string, string];
  if (!streamId(prev) || !streamId(id)) return null;
  const lengths = list === '' ? [] : list.slice(1).split(' ');
  if (Number(count) > MAX_FIELDS || lengths.length !== Number(count)) return null;
  const fields: Buffer[] = [];
  let at = end + 1;
  for (const length of lengths) {
    const next = at + Number(length);
    if (next > message.length) return null;
    fields.push(message.subarray(at, next));
    at = next;
  }
  return at === message.length ? { prev, id, fields } : null;
}

/** The largest part of a stream id Redis accepts (an unsigned 64-bit number). */
const MAX_PART = '18446744073709551615';

/** Whether both parts of `id` (digits, checked) are at most {@link MAX_PART}. */
function streamId(id: string): boolean {
  return id.split('-').every((part) => part.length < 20 || part <= MAX_PART);
}
