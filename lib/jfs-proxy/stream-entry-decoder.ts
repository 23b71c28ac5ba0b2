import type { JfsEvent } from '../jfs-protocol/jfs-message.ts';
import { parseStreamEntry, type StreamEntry } from '../jfs-protocol/notify-stream.ts';

const NAME = Buffer.from('Name');
const OP = Buffer.from('Op');
const KEY = Buffer.from('Key');

/**
 * Decodes stream entries read as Buffers (`XREAD` through ioredis's
 * `xreadBuffer`): the same result as `parseStreamEntry` on the strings, for
 * a fraction of the cost. ioredis turns every bulk string of a reply into a
 * JS string (seven per entry: the id and six fields); here only the name is
 * decoded, the op is read from its digits and the key, which repeats from
 * one entry to the next, is decoded once per run of equal keys.
 */
export class StreamEntryDecoder {
  #keyBytes: Buffer = Buffer.alloc(0);
  #key = '';

  /** One entry's fields; never throws. */
  decode(fields: readonly Buffer[]): StreamEntry {
    if (
      fields.length !== 6 ||
      !NAME.equals(fields[0] as Buffer) ||
      !OP.equals(fields[2] as Buffer) ||
      !KEY.equals(fields[4] as Buffer)
    ) {
      // A marker or something unexpected: the string parser decides (rare, not worth bytes).
      return parseStreamEntry(fields.map((field) => field.toString()));
    }
    const op = readOp(fields[3] as Buffer);
    // Not plain digits (a sign, spaces, hex...): the string parser's rules, exactly.
    if (op < 0) return parseStreamEntry(fields.map((field) => field.toString()));
    const event: JfsEvent = {
      name: (fields[1] as Buffer).toString(),
      op,
      key: this.#keyOf(fields[5] as Buffer),
    };
    return { kind: 'event', event };
  }

  #keyOf(bytes: Buffer): string {
    if (!bytes.equals(this.#keyBytes)) {
      // A copy: `bytes` is a view of the reply, which must not be kept alive by the cache.
      this.#keyBytes = Buffer.from(bytes);
      this.#key = bytes.toString();
    }
    return this.#key;
  }
}

/** The op of an entry written as plain decimal digits, or -1 for anything else. */
function readOp(digits: Buffer): number {
  if (digits.length === 0 || digits.length > 10) return -1;
  let op = 0;
  for (let i = 0; i < digits.length; i++) {
    const digit = (digits[i] as number) - 48;
    if (digit < 0 || digit > 9) return -1;
    op = op * 10 + digit;
  }
  return op > 0xffff_ffff ? -1 : op;
}
