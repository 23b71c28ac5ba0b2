import type { Redis } from 'ioredis';
import { entryTime } from '../jfs-protocol/notify-stream.ts';
import type { BatchCommand } from '../redis/command-batch.ts';
import { streamCounts } from './stream-ids.ts';

/**
 * How far back a feed starts reading when it is first positioned, in ms:
 * a client whose connection the kernel completed before the feed was
 * positioned, but that the proxy accepted (and so did not resync) after,
 * has its WATCH's changes among the entries read, hence in the router's
 * catch-up window (a proxy restart under many reconnecting clients).
 */
export const START_LOOKBACK_MS = 2000;

/** Where a stream feed reads from. */
export interface StreamPosition {
  /** The id of the last entry read; `0-0` with `fresh` when the stream did not exist. */
  readonly last: string;
  /** Positioned on a stream that did not exist: every entry is new, none may have gone. */
  readonly fresh: boolean;
  /** With `fresh`: how many entries the stream had ever been given when the feed was positioned. */
  readonly baseAdded: number;
}

/** Redis stream entries as ioredis returns them: `[id, [field, value, ...]]`. */
type Entries = [string, string[]][];

/** After the newest entry of `key` (or at the start of a stream that does not exist yet). */
export async function endOf(redis: Redis, key: string): Promise<StreamPosition> {
  const replies =
    (await redis.multi().xrevrange(key, '+', '-', 'COUNT', 1).xinfo('STREAM', key).exec()) ?? [];
  const id = (replies[0]?.[1] as Entries | undefined)?.[0]?.[0];
  const baseAdded = replies[1]?.[0] == null ? streamCounts(replies[1]?.[1]).added : 0;
  return { last: id ?? '0-0', fresh: id === undefined, baseAdded };
}

/**
 * The time, in ms on Redis's clock, before which a starting feed's entries
 * are not read again: `lookbackMs` before now (Redis's `TIME` reply, the clock
 * that gives entries their ids) or before the newest entry, whichever is
 * later. Entries from before (a stream last written an hour ago) are owed to
 * no client of the feed: a client of their paths would get them as new, or
 * be resynced when they are more than the proxy keeps for a path. A clock
 * behind the newest entry (a failover to a replica whose clock lags), or no
 * reply, leaves the newest entry's time. Null when neither is a time (a
 * garbled reply or id): then nothing is read again.
 */
export function lookBackFrom(
  time: readonly unknown[] | null,
  newest: string,
  lookbackMs: number,
): number | null {
  const seconds = Number(time?.[0]);
  const micros = Number(time?.[1]);
  const now =
    Number.isSafeInteger(seconds) && Number.isSafeInteger(micros)
      ? seconds * 1000 + micros / 1000
      : Number.NaN;
  // The later of the two that are times (none: -Infinity, so null).
  const base = Math.max(...[now, entryTime(newest)].filter(Number.isFinite));
  const from = Math.floor(base - lookbackMs);
  return Number.isSafeInteger(from) && from >= 0 ? from : null;
}

/**
 * From `at` (just positioned at the end): back to the last entry at or
 * before {@link lookBackFrom}, or to the start of the stream when every entry
 * is newer (nothing before it is owed: the feed just started). Stays at `at`
 * when that time is unknown or the read fails.
 */
export async function lookBack(
  redis: Redis,
  key: string,
  at: StreamPosition,
  lookbackMs: number,
): Promise<StreamPosition> {
  const time = await redis.time().catch(() => null);
  const from = lookBackFrom(time, at.last, lookbackMs);
  if (from === null) return at;
  const replies =
    (await redis
      .multi()
      .xrevrange(key, String(from), '-', 'COUNT', 1)
      .xinfo('STREAM', key)
      .exec()) ?? [];
  if (replies.length < 2 || replies[0]?.[0] != null) return at;
  const id = (replies[0]?.[1] as Entries | undefined)?.[0]?.[0];
  if (id !== undefined) return { ...at, last: id };
  if (replies[1]?.[0] != null) return at;
  // Every entry is recent: read them all, as on a stream that did not exist.
  const { added, length } = streamCounts(replies[1]?.[1]);
  return { last: '0-0', fresh: true, baseAdded: added - length };
}

/**
 * For a feed positioned on a stream that did not exist (`baseAdded` entries
 * ever given then), from the `XINFO STREAM` of a read: an error means the
 * stream still does not exist (nothing to miss); otherwise entries were lost
 * if more were added since than the stream holds.
 */
export function freshStreamLost(check: [Error | null, unknown], baseAdded: number): boolean {
  if (check[0] !== null) return false;
  const { added, length } = streamCounts(check[1]);
  return added - baseAdded > length;
}

/**
 * The commands of one read after `from` (see `StreamFeed`): the `XINFO` of
 * a stream that did not exist (how many entries it was ever given, before
 * the read), the `XREAD ... BLOCK`, its proof (`XRANGE from from`: is the
 * entry read from still there?) and, when the last read was `behind`, the
 * newest entry's id (how far behind).
 */
export function readCommands(
  key: string,
  from: string,
  fresh: boolean,
  count: number,
  blockMs: number,
  behind: boolean,
): BatchCommand[] {
  const read = ['COUNT', count, 'BLOCK', blockMs, 'STREAMS', key, from];
  return [
    ...(fresh ? [{ name: 'xinfo', args: ['STREAM', key] }] : []),
    { name: 'xread', args: read, buffers: true },
    ...(fresh ? [] : [{ name: 'xrange', args: [key, from, from], buffers: true }]),
    ...(behind ? [{ name: 'xrevrange', args: [key, '+', '-', 'COUNT', 1] }] : []),
  ];
}
