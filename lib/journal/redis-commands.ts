import type { Redis } from 'ioredis';
import { compareStreamIds } from './stream-entries.ts';

/**
 * Runs a MULTI and throws the first refusal: for an EXECABORT, the error of
 * the command Redis refused (OOM, READONLY), which says why.
 */
export async function execOrThrow(multi: ReturnType<Redis['multi']>): Promise<void> {
  let results: Awaited<ReturnType<typeof multi.exec>>;
  try {
    results = await multi.exec();
  } catch (cause) {
    const previous = (cause as { previousErrors?: unknown[] }).previousErrors?.[0];
    throw previous instanceof Error ? previous : cause;
  }
  for (const [error] of results ?? []) if (error !== null) throw error;
}

/**
 * The id below which every group of `stream` has acknowledged everything
 * (XTRIM MINID may remove what is below it): the smallest, over the groups,
 * of the oldest pending entry, or of the last delivered one when none is
 * pending. `null`: nothing to trim (no group, or a group that read nothing).
 */
export async function trimFloor(redis: Redis, stream: string): Promise<string | null> {
  const groups = (await redis.xinfo('GROUPS', stream)) as unknown[][];
  let floor: string | null = null;
  for (const raw of groups) {
    const info = new Map<string, unknown>();
    for (let i = 0; i + 1 < raw.length; i += 2) info.set(String(raw[i]), raw[i + 1]);
    let oldest = String(info.get('last-delivered-id'));
    if (Number(info.get('pending')) > 0) {
      const summary = (await redis.xpending(stream, String(info.get('name')))) as unknown[];
      if (typeof summary[1] === 'string') oldest = summary[1];
    }
    if (floor === null || compareStreamIds(oldest, floor) < 0) floor = oldest;
  }
  return floor === '0-0' ? null : floor;
}
