import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, inject, it, vi } from 'vitest';
import { Action } from '../../../lib/events/action.ts';
import type { JfsDaemon } from '../../../lib/jfs-daemon/jfs-daemon.ts';
import type { JfsProxy } from '../../../lib/jfs-proxy/jfs-proxy.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { loadVectors } from '../../support/jfs-vectors.ts';
import {
  client,
  daemonWatches,
  nodeDir,
  rawClient,
  startDaemon,
  startProxy,
  uniqueChannel,
} from './support.ts';

const cleanup = cleanupAfterEach();

async function chain(writeDebounce = 1000): Promise<{
  dir: string;
  proxy: JfsProxy;
  daemon: JfsDaemon;
  channel: string;
}> {
  const node = await nodeDir();
  cleanup(node.cleanup);
  const channel = uniqueChannel();
  const daemon = await startDaemon({ channel });
  cleanup(() => daemon.close());
  const proxy = await startProxy(node.mounts, { channel, writeDebounce });
  cleanup(() => proxy.close());
  return { dir: node.dir, proxy, daemon, channel };
}

describe('JFS proxy and daemon over a real Redis', () => {
  it('delivers a file written under a node path to the client as an Event with the pod path', async () => {
    const { dir, proxy, daemon } = await chain(100);
    const c = client(proxy.address, ['/data']);
    cleanup(c.stop);
    await c.source.ready();
    await daemonWatches(daemon, dir);
    await writeFile(join(dir, 'a.txt'), 'hello');
    await vi.waitFor(() =>
      expect(c.events.map((event) => [event.action, event.actorName])).toContainEqual([
        Action.FileCreated,
        '/data/a.txt',
      ]),
    );
    expect(c.events[0]?.actorAttributes).toMatchObject({ key: '/data' });
    expect(proxy.stats()).toMatchObject({ connections: 1, watchedPaths: 1 });
  });

  it('debounces 20 writes in 500 ms into one FileWritten about 1 s after the last; a create goes at once', async () => {
    const { dir, proxy, daemon } = await chain(1000);
    const c = client(proxy.address, ['/data']);
    cleanup(c.stop);
    await c.source.ready();
    await daemonWatches(daemon, dir);
    const file = join(dir, 'busy.log');
    const created = Date.now();
    await writeFile(file, 'start');
    await vi.waitFor(() =>
      expect(c.events.some((event) => event.action === Action.FileCreated)).toBe(true),
    );
    expect(Date.now() - created).toBeLessThan(800);
    for (let i = 0; i < 20; i++) {
      await writeFile(file, `line ${i}\n`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const lastWrite = Date.now();
    await vi.waitFor(
      () => expect(c.events.some((event) => event.action === Action.FileWritten)).toBe(true),
      {
        timeout: 5000,
      },
    );
    const delay = Date.now() - lastWrite;
    expect(delay).toBeGreaterThanOrEqual(900);
    expect(delay).toBeLessThan(2500);
    // Nothing more comes for that file: a removal sends any write still held for it first (the
    // debounce never lets a write follow the removal), so once the FileDeleted is here, every
    // FileWritten there will ever be is here too: exactly one.
    await rm(file);
    await vi.waitFor(() =>
      expect(c.events.some((event) => event.action === Action.FileDeleted)).toBe(true),
    );
    expect(c.events.filter((event) => event.action === Action.FileWritten)).toHaveLength(1);
    expect(proxy.stats().debounced).toBeGreaterThan(0);
  });

  it('UNWATCH and CLEAR stop delivery; the daemon releases a path nobody watches', async () => {
    const { dir, proxy, daemon } = await chain(50);
    const c = client(proxy.address, ['/data']);
    cleanup(c.stop);
    await c.source.ready();
    await daemonWatches(daemon, dir);
    c.stop();
    await vi.waitFor(() => expect(proxy.stats().watchedPaths).toBe(0));
    await vi.waitFor(() => expect(daemon.watchList()).not.toContain(dir), { timeout: 5000 });
  });

  it('a client re-registers by itself after the proxy is killed and restarted on the same port', async () => {
    const { dir, proxy, daemon, channel } = await chain(50);
    const address = proxy.address;
    const node = { mounts: [{ mountPath: '/data', hostPath: dir }] };
    const c = client(address, ['/data']);
    cleanup(c.stop);
    await c.source.ready();
    await daemonWatches(daemon, dir);
    await proxy.close();
    await vi.waitFor(() => expect(c.source.status.kind).toBe('reconnecting'));
    const second = await startProxy(node.mounts, { channel, writeDebounce: 50, listen: address });
    cleanup(() => second.close());
    await vi.waitFor(() => expect(second.stats().watchedPaths).toBe(1), { timeout: 5000 });
    // The daemon may not have read the first proxy's close yet: its old watch would satisfy the
    // check below and then be released. Two resyncs: the second reads the registry as it is now.
    await daemon.resync();
    await daemon.resync();
    await daemonWatches(daemon, dir);
    await writeFile(join(dir, 'after.txt'), 'x');
    await vi.waitFor(() =>
      expect(c.events.map((event) => event.actorName)).toContain('/data/after.txt'),
    );
  });

  it('answers a raw client that sends the vector bytes (as a Go client would) with the vector bytes', async () => {
    const vectors = loadVectors();
    const frame = (name: string): Buffer =>
      Buffer.from(vectors.frames.find((f) => f.name === name)?.hex ?? '', 'hex');
    const channel = uniqueChannel();
    const proxy = await startProxy(
      [
        {
          namespace: 'os-framework',
          pod: 'files-7d9f8-abcde',
          container: 'files',
          mounts: [{ mountPath: '/data', hostPath: '/olares/rootfs/userspace' }],
        },
      ],
      { channel, writeDebounce: 20, feed: 'pubsub' },
    );
    cleanup(() => proxy.close());
    const raw = await rawClient(proxy.address);
    cleanup(() => raw.socket.destroy());
    raw.socket.write(Buffer.concat([frame('clear'), frame('watch-one')]));
    await vi.waitFor(() => expect(proxy.stats().watchedPaths).toBe(1));
    const publisher = new Redis({ port: inject('redisPort'), lazyConnect: true });
    cleanup(() => publisher.disconnect());
    await publisher.connect();
    await publisher.publish(channel, vectors.redisExample.message);
    await vi.waitFor(() =>
      expect(raw.received().length).toBeGreaterThanOrEqual(frame('event-one').length),
    );
    expect(raw.received().toString('hex')).toBe(frame('event-one').toString('hex'));
  });
});
