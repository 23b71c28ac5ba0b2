import { createHash } from 'node:crypto';
import { CHAIN_MAX_BYTES } from '../jfs-protocol/chain-message.ts';
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
 * With a chain channel, each entry of at most {@link CHAIN_MAX_BYTES} of
 * fields is also published there with the id of the entry before it in the
 * stream (see chain-message.ts): read in the same script, so nothing can come
 * between the two. A proxy that holds that entry takes the next one from the
 * channel, proven to follow, instead of asking the stream for it. The chain
 * is only a shortcut: refused (an ACL without `xrevrange` or without that
 * channel), it is left out (`pcall`) and the write goes on, whole.
 *
 * KEYS[1] the stream; ARGV[1] the channel, ARGV[2] the chain channel (empty:
 * none), ARGV[3] the number of entries, then per entry its `MAXLEN ~` bound,
 * its field count and its fields; the rest of ARGV are the messages. Returns
 * the number of entries appended.
 */
export const FEED_SCRIPT = `local stream, channel, chain = KEYS[1], ARGV[1], ARGV[2]
local prev = nil
if chain ~= '' then
  local last = redis.pcall('XREVRANGE', stream, '+', '-', 'COUNT', 1)
  if not last.err then prev = last[1] and last[1][1] or '0-0' end
end
local i = 4
for _ = 1, tonumber(ARGV[3]) do
  local n = tonumber(ARGV[i + 1])
  local id = redis.call('XADD', stream, 'MAXLEN', '~', ARGV[i], '*', unpack(ARGV, i + 2, i + 1 + n))
  if prev then
    local head, size = {prev, id, n}, 0
    for k = i + 2, i + 1 + n do
      head[#head + 1] = #ARGV[k]
      size = size + #ARGV[k]
    end
    if size <= ${CHAIN_MAX_BYTES} then
      redis.pcall('PUBLISH', chain, table.concat(head, ' ') .. '\\n' .. table.concat(ARGV, '', i + 2, i + 1 + n))
    end
    prev = id
  end
  i = i + 2 + n
end
for j = i, #ARGV do
  redis.call('PUBLISH', channel, ARGV[j])
end
return tonumber(ARGV[3])
`;

/** The SHA-1 that `EVALSHA` names {@link FEED_SCRIPT} by. */
export const FEED_SCRIPT_SHA = createHash('sha1').update(FEED_SCRIPT).digest('hex');

/**
 * The arguments of {@link FEED_SCRIPT} after the key count and the stream
 * for `records` (appends first, in their order, then the messages in
 * theirs: a change is published only after every entry of its write);
 * `chain` is the chain channel, or empty for none;
 * `bounds[i]` is the `MAXLEN ~` bound of record `i` when it is an append.
 */
export function feedScriptArgs(
  channel: string,
  chain: string,
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
  return [channel, chain, String(count), ...entries, ...messages];
}
