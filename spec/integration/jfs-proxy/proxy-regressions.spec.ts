// Regressions found in review: each test failed before its fix.
import { writeFile } from 'node:fs/promises';
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
    const daemon = await JfsDaemon.start({
      paths: [node.dir],
      redisAddr: '127.0.0.1:1',
      resyncInterval: 20,
      env: {},
    });
    await new Promise((resolve) => setTimeout(resolve, 200)); // resyncs are now queued on a dead link
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
    let release = (): void => {};
    const slow: MountResolver = {
      mountsOf: () =>
        new Promise<readonly PodMount[]>((resolve) => {
          release = () => resolve([{ mountPath: '/data', hostPath: '/node/data' }]);
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
    release();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(proxy.stats().watchedPaths).toBe(0);
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
