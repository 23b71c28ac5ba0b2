import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, inject, it, vi } from 'vitest';
import { encodeFrame, encodeMessage } from '../../../lib/sources/jfs/encode-message.ts';
import { JfsWatcher } from '../../../lib/sources/jfs/jfs-watcher.ts';
import { MessageType } from '../../../lib/sources/jfs/message-type.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { freePort, pingRedis } from '../../support/redis-server.ts';
import {
  client,
  daemonWatches,
  nodeDir,
  pod,
  rawClient,
  startDaemon,
  startProxy,
  uniqueChannel,
} from './support.ts';

const cleanup = cleanupAfterEach();

/** A redis-server of this spec's own on `port`, so that it can be restarted. */
async function redisOn(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  await vi.waitFor(async () => expect(await pingRedis(port)).toBe(true), {
    timeout: 10_000,
    interval: 25,
  });
  return child;
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

describe('JFS proxy robustness', () => {
  it('resubscribes after Redis restarts, and the daemon registers the paths again', async () => {
    const port = await freePort();
    let redis = await redisOn(port);
    cleanup(() => stopRedis(redis));
    const node = await nodeDir();
    cleanup(node.cleanup);
    const channel = uniqueChannel();
    const redisAddr = `127.0.0.1:${port}`;
    const daemon = await startDaemon({ channel, redisAddr });
    cleanup(() => daemon.close());
    const proxy = await startProxy(node.mounts, { channel, redisAddr, writeDebounce: 20 });
    cleanup(() => proxy.close());
    const statuses: string[] = [];
    proxy.redisStatus$.subscribe((status) => statuses.push(status));
    const c = client(proxy.address, ['/data']);
    cleanup(c.stop);
    await c.source.ready();
    await daemonWatches(daemon, node.dir);

    await stopRedis(redis);
    await vi.waitFor(() => expect(statuses).toContain('reconnecting'));
    redis = await redisOn(port);
    await vi.waitFor(() => expect(statuses.at(-1)).toBe('ready'), { timeout: 10_000 });
    // The restarted Redis lost every key: the proxy wrote its registration back, the daemon re-read it.
    await daemonWatches(daemon, node.dir);
    // The stream and its position are gone with the data: every client was told to resync.
    expect(proxy.stats().resyncs['redis-restart']).toBe(1);
    await writeFile(join(node.dir, 'after-redis.txt'), 'x');
    await vi.waitFor(
      () => expect(c.events.map((event) => event.actorName)).toContain('/data/after-redis.txt'),
      {
        timeout: 10_000,
      },
    );
  });

  it('drops or disconnects bad input with a warning, while another client keeps receiving', async () => {
    const node = await nodeDir();
    cleanup(node.cleanup);
    const channel = uniqueChannel();
    const daemon = await startDaemon({ channel });
    cleanup(() => daemon.close());
    const proxy = await startProxy(node.mounts, { channel, writeDebounce: 20 });
    cleanup(() => proxy.close());
    const warnings: string[] = [];
    proxy.warnings$.subscribe((warning) => warnings.push(warning.name));
    const good = client(proxy.address, ['/data']);
    cleanup(good.stop);
    await good.source.ready();
    await daemonWatches(daemon, node.dir);

    // A 4 GiB length prefix: that connection is closed, nothing is allocated.
    const huge = await rawClient(proxy.address);
    huge.socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1]));
    await vi.waitFor(() => expect(huge.closed()).toBe(true));
    // Garbage: frames of unknown types and short payloads are dropped; the connection may stay.
    const garbage = await rawClient(proxy.address);
    cleanup(() => garbage.socket.destroy());
    garbage.socket.write(
      Buffer.concat([encodeFrame(99, Buffer.from('junk')), Buffer.from([0, 0, 0, 2, 1, 2])]),
    );
    // A WATCH for a pod nobody knows: dropped with a warning.
    const stranger = await rawClient(proxy.address);
    cleanup(() => stranger.socket.destroy());
    stranger.socket.write(
      encodeMessage({
        type: MessageType.Watch,
        channelId: 'default/ghost-0/app/x',
        paths: ['/data'],
      }),
    );
    // A path over 255 bytes cannot be encoded by a client of ours; raw, it spills into the next field.
    const long = await rawClient(proxy.address);
    cleanup(() => long.socket.destroy());
    const channelField = Buffer.alloc(255);
    channelField.write('default/web-0/app/long');
    long.socket.write(
      encodeFrame(
        MessageType.Watch,
        Buffer.concat([channelField, Buffer.from(`/data/${'x'.repeat(300)}`)]),
      ),
    );
    expect(
      () => new JfsWatcher({ ...pod, server: proxy.address, paths: [`/data/${'x'.repeat(300)}`] }),
    ).toThrow(/255/);

    await vi.waitFor(() =>
      expect(warnings).toEqual(
        expect.arrayContaining(['FrameTooLargeError', 'MalformedFrameError', 'UnmappedWatchError']),
      ),
    );
    await writeFile(join(node.dir, 'still.txt'), 'x');
    await vi.waitFor(() =>
      expect(good.events.map((event) => event.actorName)).toContain('/data/still.txt'),
    );
    expect(proxy.stats().malformedFrames).toBeGreaterThanOrEqual(2);
  });

  it('disconnects a client that does not read instead of stalling the others', async () => {
    const channel = uniqueChannel();
    const node = await nodeDir();
    cleanup(node.cleanup);
    const proxy = await startProxy(node.mounts, {
      channel,
      feed: 'pubsub',
      writeDebounce: 0,
      maxQueuedBytes: 64 * 1024,
      slowClientGrace: 300,
    });
    cleanup(() => proxy.close());
    const warnings: string[] = [];
    proxy.warnings$.subscribe((warning) => warnings.push(warning.name));
    const stalled = await rawClient(proxy.address);
    cleanup(() => stalled.socket.destroy());
    stalled.socket.pause();
    stalled.socket.write(
      encodeMessage({
        type: MessageType.Watch,
        channelId: 'default/web-0/app/slow',
        paths: ['/data'],
      }),
    );
    const good = client(proxy.address, ['/data']);
    cleanup(good.stop);
    await good.source.ready();
    await vi.waitFor(() => expect(proxy.stats().watchedPaths).toBe(1));
    await vi.waitFor(() => expect(proxy.stats().connections).toBe(2));
    const publisher = new Redis({ port: inject('redisPort'), lazyConnect: true });
    cleanup(() => publisher.disconnect());
    await publisher.connect();
    // 20,000 creates of 522-byte frames = 10 MB towards a client that reads nothing: more than the
    // kernel's socket buffers hold, so the proxy's own queue fills.
    const events = Array.from({ length: 20_000 }, (_, i) => ({
      Name: `${node.dir}/f${i}`,
      Op: 1,
      Key: node.dir,
    }));
    await publisher.publish(channel, JSON.stringify(events));
    await vi.waitFor(() => expect(good.events).toHaveLength(20_000), { timeout: 30_000 });
    await vi.waitFor(() => expect(warnings).toContain('SlowClientError'));
    // The warning comes as the socket is destroyed; its close (which forgets it) follows.
    await vi.waitFor(() =>
      expect(proxy.stats()).toMatchObject({ droppedClients: 1, connections: 1 }),
    );
  });

  it('serves 1,000 concurrent clients, each receiving exactly its own events', async () => {
    const node = await nodeDir();
    cleanup(node.cleanup);
    const channel = uniqueChannel();
    const daemon = await startDaemon({ channel });
    cleanup(() => daemon.close());
    const proxy = await startProxy(node.mounts, { channel, writeDebounce: 20 });
    cleanup(() => proxy.close());
    const count = 1000;
    const received: string[][] = Array.from({ length: count }, () => []);
    const watchers: JfsWatcher[] = [];
    for (let i = 0; i < count; i++) {
      await mkdir(join(node.dir, `c${i}`));
      const watcher = new JfsWatcher({
        ...pod,
        name: `c${i}`,
        server: proxy.address,
        paths: [`/data/c${i}`],
        reconnect: () => 50,
        env: {},
      });
      watcher.events$.subscribe((event) => received[i]?.push(`${event.op}:${event.name}`));
      watchers.push(watcher);
    }
    cleanup(() => Promise.all(watchers.map((watcher) => watcher.close())));
    await vi.waitFor(() => expect(proxy.stats().watchedPaths).toBe(count), { timeout: 30_000 });
    await vi.waitFor(() => expect(daemon.watchList()).toHaveLength(count), { timeout: 30_000 });
    await Promise.all(
      received.map((_, i) => writeFile(join(node.dir, `c${i}`, 'mine.txt'), `${i}`)),
    );
    await vi.waitFor(
      () => expect(received.filter((events) => events.length > 0)).toHaveLength(count),
      { timeout: 30_000, interval: 100 },
    );
    for (let i = 0; i < count; i++) {
      expect(received[i]?.[0]).toBe(`1:/data/c${i}/mine.txt`);
      expect(received[i]?.every((event) => event.endsWith(`/data/c${i}/mine.txt`))).toBe(true);
    }
    expect(proxy.stats().connections).toBe(count);
  }, 120_000);
});
