// A client that connects after a burst larger than the proxy keeps for catch-ups (100,000 events) is
// not resynced for it: not when the burst was on another path, and not when it was on its own path
// but over before the client could have connected (the proxy measures how long each connection
// waited to be accepted). Before, any client connecting within 5 s of such a burst was disconnected.
import { Redis } from 'ioredis';
import { describe, expect, inject, it, vi } from 'vitest';
import { Action } from '../../../lib/events/action.ts';
import type { JfsEvent } from '../../../lib/jfs-protocol/jfs-message.ts';
import { batchFields, eventFields } from '../../../lib/jfs-protocol/notify-stream.ts';
import { notifyNames } from '../../../lib/jfs-protocol/redis-keys.ts';
import type { JfsProxy } from '../../../lib/jfs-proxy/jfs-proxy.ts';
import { WATCH_CATCH_UP_MS } from '../../../lib/jfs-proxy/watch-router.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { client, startProxy, uniqueChannel } from './support.ts';

const cleanup = cleanupAfterEach();

/** 101 stream entries of 1,000 changes each under `dir`: more than the proxy keeps. */
async function burst(redis: Redis, stream: string, dir: string): Promise<void> {
  const multi = redis.multi();
  for (let entry = 0; entry < 101; entry++) {
    const events: JfsEvent[] = Array.from({ length: 1000 }, (_, i) => ({
      name: `${dir}/b${entry * 1000 + i}`,
      op: 1,
      key: dir,
    }));
    multi.xadd(stream, '*', ...batchFields(events));
  }
  await multi.exec();
}

async function setup() {
  const channel = uniqueChannel();
  const proxy = await startProxy(
    [
      { mountPath: '/data', hostPath: '/node/data' },
      { mountPath: '/other', hostPath: '/node/other' },
    ],
    { channel },
  );
  cleanup(() => proxy.close());
  const redis = new Redis({ port: inject('redisPort'), lazyConnect: true });
  cleanup(() => redis.disconnect());
  await redis.connect();
  const stream = notifyNames(channel).stream;
  const read = async (messages: number) =>
    vi.waitFor(() => expect(proxy.stats().redisMessages).toBeGreaterThanOrEqual(messages), {
      timeout: 20_000,
    });
  return { proxy, redis, stream, read };
}

/** A client of /data connects, gets the next change, and is never resynced (no ForceReload, one connection). */
async function connectsWithoutResync(proxy: JfsProxy, redis: Redis, stream: string): Promise<void> {
  const c = client(proxy.address, ['/data']);
  cleanup(c.stop);
  await c.source.ready();
  await redis.xadd(
    stream,
    '*',
    ...eventFields({ name: '/node/data/after', op: 1, key: '/node/data' }),
  );
  await vi.waitFor(() => expect(c.events.map((e) => e.actorName)).toContain('/data/after'));
  expect(c.events.filter((e) => e.action === Action.ForceReload)).toEqual([]);
  expect(proxy.stats().connectionsTotal).toBe(1);
}

describe('a client connecting after a burst the proxy could not keep', () => {
  it('is not resynced when the burst was on another path', async () => {
    const { proxy, redis, stream, read } = await setup();
    await burst(redis, stream, '/node/other');
    await read(101);
    await connectsWithoutResync(proxy, redis, stream);
  });

  it('is not resynced when the burst on its path ended before it connected', async () => {
    const { proxy, redis, stream, read } = await setup();
    await burst(redis, stream, '/node/data');
    await read(101);
    // The condition is the time itself: a WATCH is owed its path's changes of the last
    // WATCH_CATCH_UP_MS (it may have come the long way); once that has passed, the burst is not.
    await new Promise((resolve) => setTimeout(resolve, WATCH_CATCH_UP_MS + 300));
    await connectsWithoutResync(proxy, redis, stream);
  });
});
