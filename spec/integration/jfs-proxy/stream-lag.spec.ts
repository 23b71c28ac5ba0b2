// The stream lag is measured on Redis's clock alone (entry ids), never against the proxy's clock.
import { Redis } from 'ioredis';
import { describe, expect, inject, it, vi } from 'vitest';
import { eventFields } from '../../../lib/jfs-protocol/notify-stream.ts';
import { notifyNames } from '../../../lib/jfs-protocol/redis-keys.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { client, startProxy, uniqueChannel } from './support.ts';

const cleanup = cleanupAfterEach();

describe('proxy stream lag', () => {
  it('is 0 once caught up, even for entries whose ids are 25 years behind the proxy clock', async () => {
    const channel = uniqueChannel();
    const proxy = await startProxy([{ mountPath: '/data', hostPath: '/node/data' }], { channel });
    cleanup(() => proxy.close());
    const c = client(proxy.address, ['/data']);
    cleanup(c.stop);
    await c.source.ready();
    await vi.waitFor(() => expect(proxy.stats().watchedPaths).toBe(1));
    const redis = new Redis({ port: inject('redisPort'), lazyConnect: true });
    cleanup(() => redis.disconnect());
    await redis.connect();
    // Ids in 2001 (a stream that did not exist yet takes any id): a lag computed against the
    // proxy's clock would be 25 years; the newest id and the last one read are the same.
    const stream = notifyNames(channel).stream;
    const multi = redis.multi();
    for (let i = 1; i <= 3; i++) {
      multi.xadd(
        stream,
        `1000000000000-${i}`,
        ...eventFields({ name: `/node/data/f${i}`, op: 1, key: '/node/data' }),
      );
    }
    await multi.exec();
    await vi.waitFor(() => expect(c.events.map((event) => event.actorName)).toHaveLength(3));
    expect(proxy.stats().streamLagMs).toBe(0);
  });
});
