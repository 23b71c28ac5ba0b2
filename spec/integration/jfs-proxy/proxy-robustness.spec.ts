import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, inject, it, vi } from 'vitest';
import { encodeFrame, encodeMessage } from '../../../lib/jfs-protocol/encode-message.ts';
import { FrameDecoder } from '../../../lib/jfs-protocol/frame-decoder.ts';
import { MessageType } from '../../../lib/jfs-protocol/message-type.ts';
import { SlowClientError } from '../../../lib/jfs-proxy/proxy-errors.ts';
import { JfsWatcher } from '../../../lib/sources/jfs/jfs-watcher.ts';
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

/** A WATCH of `/data` for `default/web-0/app/<name>`. */
function watchFrame(name: string): Buffer {
  return encodeMessage({
    type: MessageType.Watch,
    channelId: `default/web-0/app/${name}`,
    paths: ['/data'],
  });
}

/** `count` Create events in the daemons' format, for the node directory `dir`. */
function creates(dir: string, count: number): { Name: string; Op: number; Key: string }[] {
  return Array.from({ length: count }, (_, i) => ({ Name: `${dir}/f${i}`, Op: 1, Key: dir }));
}

async function redisPublisher(): Promise<Redis> {
  const publisher = new Redis({ port: inject('redisPort'), lazyConnect: true });
  cleanup(() => publisher.disconnect());
  await publisher.connect();
  return publisher;
}

/** A raw client that reads at most `bytesPerSecond` (pausing its socket) and counts EVENT records. */
async function rateLimitedClient(
  address: string,
  bytesPerSecond: number,
): Promise<{ socket: Socket; events: () => number; closed: () => boolean }> {
  const raw = await rawClient(address);
  raw.socket.removeAllListeners('data');
  const decoder = new FrameDecoder();
  const start = Date.now();
  let bytes = 0;
  let events = 0;
  raw.socket.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    for (const item of decoder.push(chunk)) {
      if (!(item instanceof Error) && item.type === MessageType.Event) events += item.events.length;
    }
    const ahead = start + (bytes / bytesPerSecond) * 1000 - Date.now();
    if (ahead > 0) {
      raw.socket.pause();
      setTimeout(() => raw.socket.resume(), ahead);
    }
  });
  return { socket: raw.socket, events: () => events, closed: raw.closed };
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
    proxy.redisStatus$.subscribe((status) => statuses.push(status.kind));
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

  it('drops a client that stops reading within its grace, and never the one that reads', async () => {
    const channel = uniqueChannel();
    const node = await nodeDir();
    cleanup(node.cleanup);
    // The default limits, as users run them. Read progress shows in steps of what the kernel takes
    // (up to ~2 MB on loopback), and this reader shares the proxy's event loop, which makes it slow
    // on a loaded machine: a much shorter grace would judge the kernel, not the client.
    const grace = 5000;
    const proxy = await startProxy(node.mounts, { channel, feed: 'pubsub', writeDebounce: 0 });
    cleanup(() => proxy.close());
    const warnings: Error[] = [];
    let droppedAt = Number.NaN;
    proxy.warnings$.subscribe((warning) => {
      warnings.push(warning);
      if (warning instanceof SlowClientError) droppedAt = Date.now();
    });
    const stalled = await rawClient(proxy.address);
    cleanup(() => stalled.socket.destroy());
    stalled.socket.pause();
    stalled.socket.write(watchFrame('slow'));
    const good = client(proxy.address, ['/data']);
    cleanup(good.stop);
    await good.source.ready();
    await vi.waitFor(() =>
      expect(proxy.stats()).toMatchObject({ watchedPaths: 1, connections: 2 }),
    );
    const publisher = await redisPublisher();
    // 20,000 creates of 522-byte frames = 10 MB to each client: ten times maxQueuedBytes and more
    // than the kernel's socket buffers hold, so both queues pass the limit at once.
    const publishedAt = Date.now();
    await publisher.publish(channel, JSON.stringify(creates(node.dir, 20_000)));

    await vi.waitFor(() => expect(good.events).toHaveLength(20_000), { timeout: 60_000 });
    await vi.waitFor(
      () => expect(proxy.stats()).toMatchObject({ droppedClients: 1, connections: 1 }),
      { timeout: grace + 15_000 },
    );
    const slow = warnings.filter((warning) => warning instanceof SlowClientError);
    expect(slow).toHaveLength(1);
    const [verdict] = slow as [SlowClientError];
    // The stalled one: judged on its own lack of progress, once the grace had passed, not long after.
    expect(verdict).toMatchObject({ reason: 'stalled' });
    expect(verdict.stalledFor).toBeGreaterThanOrEqual(grace);
    expect(droppedAt - publishedAt).toBeGreaterThanOrEqual(grace);
    // Not long after: the grace, plus the time the proxy took to write the burst on a busy machine.
    expect(droppedAt - publishedAt).toBeLessThan(grace + 15_000);
    // The reader: all events on its first connection, in order, with no ForceReload.
    expect(good.events.map((event) => event.actorName)).toEqual(
      Array.from({ length: 20_000 }, (_, i) => `/data/f${i}`),
    );
    expect(proxy.stats().connectionsTotal).toBe(2);
  }, 90_000);

  it('keeps a client that reads slowly but steadily through a burst many times its limit', async () => {
    const channel = uniqueChannel();
    const node = await nodeDir();
    cleanup(node.cleanup);
    // The default grace and limits: the case users run with.
    const proxy = await startProxy(node.mounts, { channel, feed: 'pubsub', writeDebounce: 0 });
    cleanup(() => proxy.close());
    const warnings: string[] = [];
    proxy.warnings$.subscribe((warning) => warnings.push(warning.name));
    const reader = await rateLimitedClient(proxy.address, 1_000_000);
    cleanup(() => reader.socket.destroy());
    reader.socket.write(watchFrame('steady'));
    await vi.waitFor(() => expect(proxy.stats().watchedPaths).toBe(1));
    const publisher = await redisPublisher();
    // 20,000 × 522 bytes ≈ 10 MB at 1 MB/s: about ten seconds of steady reading.
    await publisher.publish(channel, JSON.stringify(creates(node.dir, 20_000)));

    await vi.waitFor(() => expect(reader.events()).toBe(20_000), {
      timeout: 40_000,
      interval: 200,
    });
    expect(warnings).not.toContain('SlowClientError');
    expect(proxy.stats()).toMatchObject({ droppedClients: 0, connections: 1, connectionsTotal: 1 });
    expect(reader.closed()).toBe(false);
  }, 60_000);

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
        retry: () => 50,
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
