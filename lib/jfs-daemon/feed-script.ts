import { createHash } from 'node:crypto';
import type { FeedRecord } from './change-feed.ts';

/**
 * The Lua script that applies one write of a {@link RedisChangeFeed}: the
 * stream entries (`XADD ... MAXLEN ~`) in order, then the channel messages
 * (`PUBLISH`), as ONE command. A script runs whole, with nothing in between;
 * out of memory, Redis refuses its first write (nothing was written yet) and
 * never one after a write, so the write is applied whole or not at all, as
 * MULTI/EXEC was, for one command instead of four (the daemon pays per
 * command and per round trip, not per byte).
 *
 * KEYS[1] the stream; ARGV[1] the channel, ARGV[2] the number of entries,
 * then per entry its `MAXLEN ~` bound, its field count and its fields; the
 * rest of ARGV are the messages. Returns the number of entries appended.
 */
export const FEED_SCRIPT = `local stream, channel = KEYS[1], ARGV[1]
local i = 3
for _ = 1, tonumber(ARGV[2]) do
  local n = tonumber(ARGV[i + 1])
  redis.call('XADD', stream, 'MAXLEN', '~', ARGV[i], '*', unpack(ARGV, i + 2, i + 1 + n))
  i = i + 2 + n
end
for j = i, #ARGV do
  redis.call('PUBLISH', channel, ARGV[j])
end
return tonumber(ARGV[2])
`;

/** The SHA-1 that `EVALSHA` names {@link FEED_SCRIPT} by. */
export const FEED_SCRIPT_SHA = createHash('sha1').update(FEED_SCRIPT).digest('hex');

/**
 * The arguments of {@link FEED_SCRIPT} after the key count and the stream
 * for `records` (appends first, in their order, then the messages in
 * theirs: a change is published only after every entry of its write);
 * `bounds[i]` is the `MAXLEN ~` bound of record `i` when it is an append.
 */
export function feedScriptArgs(
  channel: string,
  records: readonly FeedRecord[],
  bounds: readonly number[],
): string[] {
  const entries: string[] = [];
  const messages: string[] = [];
  let count = 0;
  records.forEach((record, i) => {
    if (record.kind === 'append') {
      count++;
      entries.push(String(bounds[i]), String(record.fields.length), ...record.fields);
    } else {
      messages.push(record.message);
    }
  });
  return [channel, String(count), ...entries, ...messages];
}
