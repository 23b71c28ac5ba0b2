// The proxy's feed seam: a feed given in the options (here in memory, no Redis) drives the proxy
// through Observables: its changes reach the clients watching them, its LinkStatus is the proxy's
// redisStatus$, a gap resyncs every client with a warning naming the reason, a full send queue
// pauses it, and closing the proxy closes it and the registry.
import { describe, expect, it, vi } from 'vitest';
import { Action } from '../../../lib/events/action.ts';
import { FeedGapError } from '../../../lib/jfs-proxy/feed-gap-error.ts';
import type { LinkStatus } from '../../../lib/status.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { MemoryFeed, MemoryRegistry } from '../../unit/jfs-proxy/memory-feed.ts';
import { client, startProxy, uniqueChannel } from './support.ts';

const cleanup = cleanupAfterEach();
const mounts = [{ mountPath: '/data', hostPath: '/node/data' }];

async function memoryProxy() {
  const feed = new MemoryFeed(() => Date.now());
  const registry = new MemoryRegistry();
  const started = startProxy(mounts, {
    channel: uniqueChannel(),
    changeFeed: feed,
    registry,
    writeDebounce: 0,
    // Nothing listens there: the proxy must not use Redis at all.
    redisAddr: '127.0.0.1:1',
  });
  feed.ready();
  const proxy = await started;
  cleanup(() => proxy.close());
  const statuses: LinkStatus[] = [];
  proxy.redisStatus$.subscribe((status) => statuses.push(status));
  const warnings: Error[] = [];
  proxy.warnings$.subscribe((warning) => warnings.push(warning));
  return { feed, registry, proxy, statuses, warnings };
}

describe('proxy with a change feed of its options', () => {
  it('delivers what the feed reads to the clients watching it, and registers their paths', async () => {
    const { feed, registry, proxy } = await memoryProxy();
    const c = client(proxy.address, ['/data']);
    cleanup(c.stop);
    await c.source.ready();
    await vi.waitFor(() => expect([...registry.paths]).toEqual(['/node/data']));
    feed.events([
      { name: '/node/data/a', op: 1, key: '/node/data' },
      { name: '/node/other/b', op: 1, key: '/node/other' },
      { name: '/node/data/c', op: 4, key: '/node/data' },
    ]);
    await vi.waitFor(() =>
      expect(c.events.map((event) => [event.action, event.actorName])).toEqual([
        [Action.FileCreated, '/data/a'],
        [Action.FileDeleted, '/data/c'],
      ]),
    );
    expect(proxy.stats().redisMessages).toBe(3);
    await proxy.close();
    expect([feed.closed, registry.closed]).toEqual([true, true]);
  });

  it("takes the feed's LinkStatus as its redisStatus$, attempt as the feed counts it", async () => {
    const { feed, statuses } = await memoryProxy();
    const lost = new Error('connection lost');
    feed.down(100, lost);
    feed.down(200, lost);
    feed.ready();
    expect(statuses.map((status) => status.kind)).toEqual([
      'ready',
      'reconnecting',
      'reconnecting',
      'ready',
    ]);
    expect(statuses[1]).toEqual({ kind: 'reconnecting', attempt: 1, delayMs: 100, error: lost });
    expect(statuses[2]).toMatchObject({ attempt: 2, delayMs: 200 });
  });

  it('resyncs every client on a gap, with a warning that names the reason', async () => {
    const { feed, proxy, warnings } = await memoryProxy();
    const c = client(proxy.address, ['/data']);
    cleanup(c.stop);
    await c.source.ready();
    await vi.waitFor(() => expect(proxy.stats().watchedPaths).toBe(1));
    feed.gap('daemon-overflow');
    const gap = warnings.find((warning) => warning instanceof FeedGapError);
    expect(gap).toMatchObject({ reason: 'daemon-overflow', clients: 1 });
    expect(gap?.message).toMatch(/^resync \(daemon-overflow\): .* 1 client\(s\) disconnected/);
    expect(proxy.stats().resyncs['daemon-overflow']).toBe(1);
    // The client reconnects and re-lists.
    await vi.waitFor(() =>
      expect(c.events.some((event) => event.action === Action.ForceReload)).toBe(true),
    );
  });

  it('passes warnings of the feed on', async () => {
    const { feed, warnings } = await memoryProxy();
    const warning = new Error('the feed retries');
    feed.warn(warning);
    expect(warnings).toContain(warning);
  });
});
