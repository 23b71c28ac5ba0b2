// Where a stream feed starts: after the newest entry, back by its look-back on Redis's clock, never
// further (entries from long before the proxy started are owed to no client of it).
import { Redis } from 'ioredis';
import { describe, expect, inject, it, vi } from 'vitest';
import { Action } from '../../../lib/events/action.ts';
import { eventFields } from '../../../lib/jfs-protocol/notify-stream.ts';
import { notifyNames } from '../../../lib/jfs-protocol/redis-keys.ts';
import { endOf, lookBack } from '../../../lib/jfs-proxy/stream-position.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { client, startProxy, uniqueChannel } from './support.ts';

const cleanup = cleanupAfterEach();

describe('a stream feed starting on a stream last written long ago', () => {
  it('does not give a new client the changes of the look-back before the newest entry', async () => {
    const channel = uniqueChannel();
    const { stream } = notifyNames(channel);
    const redis = new Redis({ port: inject('redisPort'), lazyConnect: true });
    cleanup(() => redis.disconnect());
    await redis.connect();
    // A burst a minute ago (ids are Redis's clock in ms): 20 changes within one millisecond.
    const [seconds] = await redis.time();
    const minuteAgo = Number(seconds) * 1000 - 60_000;
    for (let i = 0; i < 20; i++) {
      const fields = eventFields({ name: `/node/data/old${i}`, op: 1, key: '/node/data' });
      await redis.xadd(stream, `${minuteAgo}-${i}`, ...fields);
    }
    const proxy = await startProxy([{ mountPath: '/data', hostPath: '/node/data' }], {
      channel,
      feed: 'stream',
    });
    cleanup(() => proxy.close());
    const c = client(proxy.address, ['/data']);
    cleanup(c.stop);
    await c.source.ready();
    await vi.waitFor(() => expect(proxy.stats().watchedPaths).toBe(1));
    const fields = eventFields({ name: '/node/data/new', op: 1, key: '/node/data' });
    await redis.xadd(stream, '*', ...fields);
    await vi.waitFor(() => expect(c.events.map((event) => event.actorName)).toContain('/data/new'));
    // Before, the proxy read the 2 s before the newest entry again, and gave them to the client
    // as its catch-up (the changes its WATCH may have missed), a minute late.
    expect(c.events.filter((event) => event.action !== Action.ForceReload)).toHaveLength(1);
    expect(c.events.map((event) => event.actorName)).toEqual(['/data/new']);
  });

  it('still reads again what was written in the look-back before now, and only that', async () => {
    const { stream } = notifyNames(uniqueChannel());
    const redis = new Redis({ port: inject('redisPort'), lazyConnect: true });
    cleanup(() => redis.disconnect());
    await redis.connect();
    const [seconds] = await redis.time();
    const minuteAgo = `${Number(seconds) * 1000 - 60_000}-0`;
    await redis.xadd(stream, minuteAgo, 'Name', '/node/data/old', 'Op', '1', 'Key', '/node/data');
    // Only the old entry: nothing is read again.
    const atOld = await endOf(redis, stream);
    expect(await lookBack(redis, stream, atOld, 10_000)).toEqual(atOld);
    // Three entries now: read again from the old one (the last entry before the look-back).
    for (let i = 0; i < 3; i++) {
      await redis.xadd(stream, '*', 'Name', `/node/data/new${i}`, 'Op', '1', 'Key', '/node/data');
    }
    const atNew = await endOf(redis, stream);
    expect(await lookBack(redis, stream, atNew, 10_000)).toEqual({ ...atNew, last: minuteAgo });
  });
});
