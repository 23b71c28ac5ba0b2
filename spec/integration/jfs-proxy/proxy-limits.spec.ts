import { describe, expect, it, vi } from 'vitest';
import { encodeMessage } from '../../../lib/jfs-protocol/encode-message.ts';
import { MessageType } from '../../../lib/jfs-protocol/message-type.ts';
import type { JfsProxy } from '../../../lib/jfs-proxy/jfs-proxy.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { nodeDir, rawClient, startProxy, uniqueChannel } from './support.ts';

const cleanup = cleanupAfterEach();

/** A proxy with the given limits, and the warnings it reports. */
async function limitedProxy(limits: Parameters<typeof startProxy>[1]) {
  const node = await nodeDir();
  cleanup(node.cleanup);
  const proxy: JfsProxy = await startProxy(node.mounts, limits);
  cleanup(() => proxy.close());
  const warnings: Error[] = [];
  const subscription = proxy.warnings$.subscribe((warning) => warnings.push(warning));
  cleanup(() => subscription.unsubscribe());
  return { proxy, warnings };
}

function limitWarnings(warnings: Error[], limit: string): Error[] {
  return warnings.filter(
    (warning) =>
      warning.name === 'ConnectionLimitError' && (warning as { limit?: string }).limit === limit,
  );
}

const watch = encodeMessage({
  type: MessageType.Watch,
  channelId: 'default/web-0/app/test',
  paths: ['/data'],
});

describe('JFS proxy connection limits', () => {
  it('closes a connection that sends no WATCH within idleTimeout, not one that does', async () => {
    const { proxy, warnings } = await limitedProxy({ channel: uniqueChannel(), idleTimeout: 200 });
    const idle = await rawClient(proxy.address);
    const busy = await rawClient(proxy.address);
    busy.socket.write(watch);
    cleanup(() => {
      idle.socket.destroy();
      busy.socket.destroy();
    });
    await vi.waitFor(() => expect(idle.closed()).toBe(true), { timeout: 5000 });
    expect(busy.closed()).toBe(false);
    expect(limitWarnings(warnings, 'idleTimeout')).toHaveLength(1);
    expect(limitWarnings(warnings, 'idleTimeout')[0]?.message).toMatch(/no WATCH within 200 ms/);
  });

  it('closes a connection whose frame is not completed within frameDeadline', async () => {
    const { proxy, warnings } = await limitedProxy({
      channel: uniqueChannel(),
      frameDeadline: 200,
    });
    const slow = await rawClient(proxy.address);
    cleanup(() => slow.socket.destroy());
    slow.socket.write(watch.subarray(0, watch.length - 1));
    await vi.waitFor(() => expect(slow.closed()).toBe(true), { timeout: 5000 });
    expect(limitWarnings(warnings, 'frameDeadline')).toHaveLength(1);
  });

  it('closes a connection whose incomplete frame passes maxPartialBytes; whole frames are fine', async () => {
    const { proxy, warnings } = await limitedProxy({
      channel: uniqueChannel(),
      maxPartialBytes: 1024,
    });
    const good = await rawClient(proxy.address);
    const greedy = await rawClient(proxy.address);
    cleanup(() => {
      good.socket.destroy();
      greedy.socket.destroy();
    });
    good.socket.write(watch);
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(100_000);
    greedy.socket.write(Buffer.concat([prefix, Buffer.alloc(4096)]));
    await vi.waitFor(() => expect(greedy.closed()).toBe(true), { timeout: 5000 });
    expect(good.closed()).toBe(false);
    expect(limitWarnings(warnings, 'maxPartialBytes')).toHaveLength(1);
  });

  it('refuses connections past maxConnections, with a warning', async () => {
    const { proxy, warnings } = await limitedProxy({ channel: uniqueChannel(), maxConnections: 2 });
    const clients: Awaited<ReturnType<typeof rawClient>>[] = [];
    for (let i = 0; i < 3; i++) clients.push(await rawClient(proxy.address));
    cleanup(() => {
      for (const c of clients) c.socket.destroy();
    });
    await vi.waitFor(() => expect(clients[2]?.closed()).toBe(true), { timeout: 5000 });
    expect(clients[0]?.closed()).toBe(false);
    expect(limitWarnings(warnings, 'maxConnections')).toHaveLength(1);
  });
});

describe('JFS proxy watch limits', () => {
  const watchOf = (channelId: string, paths: string[]): Buffer =>
    encodeMessage({ type: MessageType.Watch, channelId, paths });
  const refusals = (warnings: Error[], limit: string) =>
    warnings.filter(
      (warning) =>
        warning.name === 'WatchLimitError' && (warning as { limit?: string }).limit === limit,
    );

  it('refuses the paths of a WATCH past maxWatchesPerConnection, keeps the connection and the rest', async () => {
    const { proxy, warnings } = await limitedProxy({
      channel: uniqueChannel(),
      maxWatchesPerConnection: 3,
    });
    const raw = await rawClient(proxy.address);
    cleanup(() => raw.socket.destroy());
    raw.socket.write(
      watchOf('default/web-0/app/a', ['/data/1', '/data/2', '/data/3', '/data/4', '/data/5']),
    );
    await vi.waitFor(() => expect(refusals(warnings, 'maxWatchesPerConnection')).toHaveLength(1));
    expect(proxy.stats().watchedPaths).toBe(3);
    expect(proxy.stats().refusedWatches).toBe(2);
    expect((refusals(warnings, 'maxWatchesPerConnection')[0] as { refused?: number }).refused).toBe(
      2,
    );
    // Another channel of the same connection counts against the same limit.
    raw.socket.write(watchOf('default/web-0/app/b', ['/data/1']));
    await vi.waitFor(() => expect(refusals(warnings, 'maxWatchesPerConnection')).toHaveLength(2));
    // An UNWATCH makes room again; a path already watched costs nothing more.
    raw.socket.write(
      encodeMessage({
        type: MessageType.Unwatch,
        channelId: 'default/web-0/app/a',
        paths: ['/data/1'],
      }),
    );
    raw.socket.write(watchOf('default/web-0/app/a', ['/data/2', '/data/6']));
    await vi.waitFor(() => expect(proxy.stats().watchedPaths).toBe(3));
    expect(refusals(warnings, 'maxWatchesPerConnection')).toHaveLength(2);
    expect(raw.closed()).toBe(false);
  });

  it('refuses new node paths past maxWatchedPaths for the whole proxy, and gives them back when a client leaves', async () => {
    const { proxy, warnings } = await limitedProxy({
      channel: uniqueChannel(),
      maxWatchedPaths: 4,
    });
    const first = await rawClient(proxy.address);
    const second = await rawClient(proxy.address);
    cleanup(() => {
      first.socket.destroy();
      second.socket.destroy();
    });
    first.socket.write(watchOf('default/web-0/app/a', ['/data/1', '/data/2', '/data/3']));
    await vi.waitFor(() => expect(proxy.stats().watchedPaths).toBe(3));
    // A path the proxy watches already is shared, not counted twice.
    second.socket.write(
      watchOf('default/web-0/app/b', ['/data/1', '/data/4', '/data/5', '/data/6']),
    );
    await vi.waitFor(() => expect(refusals(warnings, 'maxWatchedPaths')).toHaveLength(1));
    expect(proxy.stats().watchedPaths).toBe(4);
    expect(proxy.stats().refusedWatches).toBe(2);
    first.socket.destroy();
    await vi.waitFor(() => expect(proxy.stats().watchedPaths).toBe(2));
    second.socket.write(watchOf('default/web-0/app/b', ['/data/5', '/data/6']));
    await vi.waitFor(() => expect(proxy.stats().watchedPaths).toBe(4));
    expect(refusals(warnings, 'maxWatchedPaths')).toHaveLength(1);
  });
});
