// The stream the daemon appends to keeps at least `streamMaxLen` changes whatever the mix of entry
// sizes: a burst (entries of many changes) after many single changes must not trim the stream to
// a fraction of them (slow readers would find their last id gone and resync for nothing).
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { RedisChangeFeed } from '../../../lib/jfs-daemon/redis-change-feed.ts';
import type { JfsEvent } from '../../../lib/jfs-protocol/jfs-message.ts';
import {
  batchFields,
  eventFields,
  parseStreamEntry,
} from '../../../lib/jfs-protocol/notify-stream.ts';
import { Op } from '../../../lib/jfs-protocol/op.ts';
import { notifyNames } from '../../../lib/jfs-protocol/redis-keys.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { uniqueChannel } from '../jfs-proxy/support.ts';

const cleanup = cleanupAfterEach();

const event = (i: number): JfsEvent => ({ name: `/node/f${i}`, op: Op.Create, key: '/node' });

describe('the daemon stream trimming', () => {
  it('keeps at least maxLen changes after a burst follows single changes, and stays bounded', async () => {
    const names = notifyNames(uniqueChannel());
    const redis = new Redis({ port: inject('redisPort'), lazyConnect: true });
    await redis.connect();
    const feed = new RedisChangeFeed(redis, names, 1000);
    cleanup(() => feed.close());
    const reader = new Redis({ port: inject('redisPort'), lazyConnect: true });
    cleanup(() => reader.disconnect());
    await reader.connect();
    const changesInStream = async (): Promise<number> =>
      (await reader.xrange(names.stream, '-', '+'))
        .map(([, fields]) => parseStreamEntry(fields))
        .reduce(
          (sum, entry) =>
            sum + (entry.kind === 'events' ? entry.events.length : entry.kind === 'event' ? 1 : 0),
          0,
        );
    let next = 0;
    const singles = async (count: number): Promise<void> => {
      for (let done = 0; done < count; done += 100) {
        await feed.write(
          Array.from({ length: 100 }, () => ({
            kind: 'append' as const,
            fields: eventFields(event(next++)),
            changes: 1,
          })),
        );
      }
    };
    await singles(900);
    const burst = Array.from({ length: 200 }, () => event(next++));
    await feed.write([{ kind: 'append', fields: batchFields(burst), changes: burst.length }]);
    // 1,100 changes written, 1,000 to keep: at most the oldest 100 may go.
    expect(await changesInStream()).toBeGreaterThanOrEqual(1000);
    await singles(3000);
    expect(await changesInStream()).toBeGreaterThanOrEqual(1000);
    // `MAXLEN ~` trims whole nodes (100 entries by default): bounded by maxLen plus one node.
    expect(await reader.xlen(names.stream)).toBeLessThanOrEqual(1100);
  });
});
