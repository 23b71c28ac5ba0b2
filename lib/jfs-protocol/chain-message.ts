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
const ID = /^\d{1,20}-\d{1,20}$/;
const DIGITS = /^\d{1,10}$/;

/**
 * The entry in `message`, or null when it is not one written as above (a
 * channel is untrusted: anyone who may PUBLISH can write there). Never
 * throws; allocates nothing for a message it refuses past its header.
 */
export function parseChainMessage(message: Buffer): ChainMessage | null {
  const end = message.indexOf(NEWLINE);
  if (end < 0 || end > MAX_HEADER) return null;
  const head = message.toString('latin1', 0, end).split(' ');
  const [prev, id, count] = head as [string, string, string];
  if (head.length < 3 || !ID.test(prev) || !ID.test(id) || !DIGITS.test(count)) return null;
  const n = Number(count);
  if (n > MAX_FIELDS || head.length !== 3 + n) return null;
  const fields: Buffer[] = [];
  let at = end + 1;
  for (let i = 3; i < head.length; i++) {
    const length = head[i] as string;
    if (!DIGITS.test(length)) return null;
    const next = at + Number(length);
    if (next > message.length) return null;
    fields.push(message.subarray(at, next));
    at = next;
  }
  return at === message.length ? { prev, id, fields } : null;
}
