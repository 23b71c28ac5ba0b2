// A daemon on a real Redis and real files reports its link as the shared LinkStatus, and close()
// releases every socket, timer and file watch it opened (the same promise every time).
import { Redis } from 'ioredis';
import { describe, expect, inject, it, vi } from 'vitest';
import { notifyNames, registryKey } from '../../../lib/jfs-protocol/redis-keys.ts';
import type { LinkStatus } from '../../../lib/status.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { nodeDir, startDaemon, uniqueChannel } from '../jfs-proxy/support.ts';

const cleanup = cleanupAfterEach();

const kinds = ['TCPSocketWrap', 'Timeout', 'FSEventWrap'] as const;

function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

describe('a daemon on Redis, closed', () => {
  it('is ready once watching, then closed, and leaves no socket, timer or watch behind', async () => {
    const node = await nodeDir();
    cleanup(node.cleanup);
    const channel = uniqueChannel();
    const redis = new Redis({ port: inject('redisPort'), lazyConnect: true });
    cleanup(() => redis.disconnect());
    await redis.connect();
    const before = resources();
    const daemon = await startDaemon({ channel, paths: [node.dir] });
    const seen: LinkStatus[] = [];
    daemon.status$.subscribe((status) => seen.push(status));
    expect(seen.map((status) => status.kind)).toEqual(['ready']);
    // Following the proxies: a registered path gets watched (so that its watch is closed too).
    const names = notifyNames(channel);
    // A lease, as proxies write it (a set without a TTL is not followed).
    const key = registryKey(names, 'proxy-1');
    await redis.multi().sadd(key, `${node.dir}/sub`).pexpire(key, 30_000).exec();
    await redis.publish(names.control, JSON.stringify({ proxy: 'proxy-1', op: 'sync' }));
    await vi.waitFor(() => expect(daemon.watchList()).toContain(`${node.dir}/sub`));
    const closing = daemon.close();
    expect(daemon.close()).toBe(closing);
    await closing;
    expect(seen.map((status) => status.kind)).toEqual(['ready', 'closed']);
    // Sockets close asynchronously: wait for them without a timer of our own (vi.waitFor's would count).
    const leftOver = (): string[] => {
      const after = resources();
      return kinds.filter((kind) => (after[kind] ?? 0) > (before[kind] ?? 0));
    };
    for (let turn = 0; turn < 10_000 && leftOver().length > 0; turn++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(leftOver(), JSON.stringify([before, resources()])).toEqual([]);
  });
});
