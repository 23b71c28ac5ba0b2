// Gaps in the stream that cannot be proven empty: each one a resync, never silence.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, inject, it, vi } from 'vitest';
import { Action } from '../../../lib/events/action.ts';
import { JfsDaemon } from '../../../lib/jfs-daemon/jfs-daemon.ts';
import { parseStreamEntry } from '../../../lib/jfs-protocol/notify-stream.ts';
import { notifyNames } from '../../../lib/jfs-protocol/redis-keys.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { freePort, RestartableRedis } from '../../support/redis-server.ts';
import { client, nodeDir, startProxy, uniqueChannel } from './support.ts';

const cleanup = cleanupAfterEach();

describe('gaps in the stream', () => {
  it('the stream trimmed past the proxy while its connection was away: every client resyncs', async () => {
    const channel = uniqueChannel();
    const proxy = await startProxy([{ mountPath: '/data', hostPath: '/node/data' }], { channel });
    cleanup(() => proxy.close());
    const redis = new Redis({ port: inject('redisPort'), lazyConnect: true });
    cleanup(() => redis.disconnect());
    await redis.connect();
    const stream = notifyNames(channel).stream;
    const c = client(proxy.address, ['/data']);
    cleanup(c.stop);
    await c.source.ready();
    await vi.waitFor(() => expect(proxy.stats().watchedPaths).toBe(1));
    await redis.xadd(stream, '*', 'Name', '/node/data/a', 'Op', '1', 'Key', '/node/data');
    await vi.waitFor(() => expect(c.events.map((event) => event.actorName)).toEqual(['/data/a']));
    // Its feed connection dropped; meanwhile the stream loses what the proxy read last.
    const feed = ((await redis.client('LIST')) as string)
      .split('\n')
      .find((line) => line.includes('name=batchwatch-proxy-feed-'));
    const id = /\bid=(\d+)/.exec(feed ?? '')?.[1] as string;
    await redis
      .multi()
      .client('KILL', 'ID', id)
      .del(stream)
      .xadd(stream, '*', 'Name', '/node/data/b', 'Op', '1', 'Key', '/node/data')
      .exec();
    await vi.waitFor(() =>
      expect(c.events.some((event) => event.action === Action.ForceReload)).toBe(true),
    );
    expect(proxy.stats().resyncs).toMatchObject({ trimmed: 1, 'redis-restart': 0 });
  });

  it("a daemon's backlog overflowing while Redis is away is marked in the stream, before what it kept", async () => {
    const node = await nodeDir();
    cleanup(node.cleanup);
    const redis = new RestartableRedis(await freePort());
    const channel = uniqueChannel();
    const daemon = await JfsDaemon.start({
      paths: [node.dir],
      followProxies: false,
      redisAddr: redis.addr,
      channel,
      maxBacklog: 5,
      env: {},
    });
    cleanup(() => daemon.close());
    // Empty files: one Create each (a file with content is a Create and a Write, which the local
    // watcher may report once the write has settled, after newer files' Creates).
    for (let i = 0; i < 20; i++) await writeFile(join(node.dir, `f${i}`), '');
    await vi.waitFor(() => expect(daemon.stats().events).toBeGreaterThanOrEqual(20));
    await redis.start();
    cleanup(() => redis.kill());
    const reader = new Redis({ port: redis.port, lazyConnect: true });
    cleanup(() => reader.disconnect());
    await reader.connect();
    const stream = notifyNames(channel).stream;
    // The two markers, then the 5 changes kept, written together: one entry.
    await vi.waitFor(async () => expect(await reader.xlen(stream)).toBe(3));
    const entries = (await reader.xrange(stream, '-', '+')).map(([, fields]) =>
      parseStreamEntry(fields),
    );
    expect(entries.slice(0, 2)).toMatchObject([
      { kind: 'marker', reason: 'daemon-start' },
      { kind: 'marker', reason: 'daemon-overflow' },
    ]);
    expect(entries[2]).toMatchObject({ kind: 'events', invalid: 0 });
    expect(entries[2]?.kind === 'events' && entries[2].events.map((event) => event.name)).toEqual(
      Array.from({ length: 5 }, (_, i) => join(node.dir, `f${15 + i}`)),
    );
  });
});
