// Regressions found in review: each test failed before its fix.
import { writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { JfsDaemon } from '../../../lib/jfs-daemon/jfs-daemon.ts';
import { encodeMessage } from '../../../lib/jfs-protocol/encode-message.ts';
import { MessageType } from '../../../lib/jfs-protocol/message-type.ts';
import { JfsProxy } from '../../../lib/jfs-proxy/jfs-proxy.ts';
import type { MountResolver, PodMount } from '../../../lib/jfs-proxy/mount-table.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import {
  client,
  daemonWatches,
  nodeDir,
  rawClient,
  redisAddr,
  startDaemon,
  startProxy,
  uniqueChannel,
} from './support.ts';

const cleanup = cleanupAfterEach();

describe('JFS proxy and daemon regressions', () => {
  it('a daemon closes promptly while Redis is unreachable', async () => {
    const node = await nodeDir();
    cleanup(node.cleanup);
    // A "Redis" that hangs up at once: the daemon's commands queue on a link that never works.
    let dials = 0;
    const deadRedis = createServer((socket) => {
      dials++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => deadRedis.listen(0, '127.0.0.1', resolve));
    cleanup(() => new Promise<void>((resolve) => deadRedis.close(() => resolve())));
    const daemon = await JfsDaemon.start({
      paths: [node.dir],
      redisAddr: `127.0.0.1:${(deadRedis.address() as AddressInfo).port}`,
      resyncInterval: 20,
      env: {},
    });
    // Several dials failed: resyncs are now queued on the dead link.
    await vi.waitFor(() => expect(dials).toBeGreaterThanOrEqual(3), { timeout: 10_000 });
    const started = Date.now();
    await daemon.close();
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('a daemon keeps a bounded backlog while Redis is away, and says so once', async () => {
    const node = await nodeDir();
    cleanup(node.cleanup);
    const daemon = await JfsDaemon.start({
      paths: [node.dir],
      redisAddr: '127.0.0.1:1',
      maxBacklog: 5,
      followProxies: false,
      env: {},
    });
    cleanup(() => daemon.close());
    const warnings: string[] = [];
    daemon.warnings$.subscribe((warning) => warnings.push(warning.message));
    for (let i = 0; i < 20; i++) await writeFile(join(node.dir, `f${i}`), 'x');
    await vi.waitFor(() => expect(daemon.stats().events).toBeGreaterThanOrEqual(20));
    expect(daemon.stats().dropped).toBe(daemon.stats().events - 5);
    expect(warnings.filter((text) => text.includes('changes are waiting'))).toHaveLength(1);
  });

  it('a WATCH whose mount lookup ends after the client left registers nothing', async () => {
    const channel = uniqueChannel();
    const lookups: (() => void)[] = [];
    const release = (): void => {
      for (const resolve of lookups.splice(0)) resolve();
    };
    const slow: MountResolver = {
      mountsOf: () =>
        new Promise<readonly PodMount[]>((resolve) => {
          lookups.push(() => resolve([{ mountPath: '/data', hostPath: '/node/data' }]));
        }),
    };
    const proxy = await JfsProxy.start({
      mounts: slow,
      listen: '127.0.0.1:0',
      redisAddr: redisAddr(),
      channel,
      env: {},
    });
    cleanup(() => proxy.close());
    const raw = await rawClient(proxy.address);
    raw.socket.write(
      encodeMessage({
        type: MessageType.Watch,
        channelId: 'default/web-0/app/slow',
        paths: ['/data/sub'],
      }),
    );
    await vi.waitFor(() => expect(proxy.stats().framesIn).toBe(1));
    raw.socket.destroy();
    await vi.waitFor(() => expect(proxy.stats().connections).toBe(0));
    // The barrier: a second client's WATCH on the same container is applied after the late lookup
    // (a connection applies its messages in order, and lookups resolve in order): once it is
    // watched, the late lookup of the client that left has been applied, and registered nothing.
    const after = await rawClient(proxy.address);
    cleanup(() => after.socket.destroy());
    after.socket.write(
      encodeMessage({
        type: MessageType.Watch,
        channelId: 'default/web-0/app/after',
        paths: ['/data/other'],
      }),
    );
    await vi.waitFor(() => expect(proxy.stats().framesIn).toBe(2));
    release();
    await vi.waitFor(() => expect(proxy.stats().watchedPaths).toBe(1));
    expect(proxy.stats().watchedPaths).toBe(1);
  });

  it('a pod path or a mount with a trailing slash still delivers', async () => {
    const node = await nodeDir();
    cleanup(node.cleanup);
    const channel = uniqueChannel();
    const daemon = await startDaemon({ channel });
    cleanup(() => daemon.close());
    const proxy = await startProxy([{ mountPath: '/data/', hostPath: `${node.dir}/` }], {
      channel,
      writeDebounce: 20,
    });
    cleanup(() => proxy.close());
    const c = client(proxy.address, ['/data/']);
    cleanup(c.stop);
    await c.source.ready();
    await daemonWatches(daemon, node.dir);
    await writeFile(join(node.dir, 'slash.txt'), 'x');
    await vi.waitFor(() =>
      expect(c.events.map((event) => event.actorName)).toContain('/data/slash.txt'),
    );
  });
});
