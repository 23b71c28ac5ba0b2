// WATCH / UNWATCH / CLEAR as a raw client sends them, over TCP and over a unix socket.
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, inject, it, vi } from 'vitest';
import { encodeMessage } from '../../../lib/jfs-protocol/encode-message.ts';
import { FrameDecoder } from '../../../lib/jfs-protocol/frame-decoder.ts';
import type { JfsMessage } from '../../../lib/jfs-protocol/jfs-message.ts';
import { MessageType } from '../../../lib/jfs-protocol/message-type.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { client, rawClient, startProxy, uniqueChannel } from './support.ts';

const cleanup = cleanupAfterEach();

const mounts = [{ mountPath: '/data', hostPath: '/node/data' }];
const channelId = 'default/web-0/app/raw';

async function publisher(): Promise<Redis> {
  const redis = new Redis({ port: inject('redisPort'), lazyConnect: true });
  cleanup(() => redis.disconnect());
  await redis.connect();
  return redis;
}

/** Decoded EVENT names a raw client received. */
function names(bytes: Buffer): string[] {
  return new FrameDecoder()
    .push(bytes)
    .flatMap((item) =>
      item instanceof Error || item.type !== MessageType.Event
        ? []
        : (item as Extract<JfsMessage, { events: unknown }>).events,
    )
    .map((event) => event.name);
}

describe('JFS proxy: WATCH, UNWATCH and CLEAR from a raw client', () => {
  it('delivers after WATCH, stops after UNWATCH, delivers after a new WATCH, stops after CLEAR', async () => {
    const channel = uniqueChannel();
    const proxy = await startProxy(mounts, { channel, writeDebounce: 0, feed: 'pubsub' });
    cleanup(() => proxy.close());
    const redis = await publisher();
    const raw = await rawClient(proxy.address);
    cleanup(() => raw.socket.destroy());
    const send = (message: JfsMessage): void => void raw.socket.write(encodeMessage(message));
    const publish = (name: string): Promise<number> =>
      redis.publish(
        channel,
        JSON.stringify([{ Name: `/node/data/${name}`, Op: 1, Key: '/node/data' }]),
      );

    send({ type: MessageType.Clear, channelId });
    send({ type: MessageType.Watch, channelId, paths: ['/data'] });
    await vi.waitFor(() => expect(proxy.stats().watchedPaths).toBe(1));
    await publish('one');
    await vi.waitFor(() => expect(names(raw.received())).toEqual(['/data/one']));

    send({ type: MessageType.Unwatch, channelId, paths: ['/data'] });
    await vi.waitFor(() => expect(proxy.stats().watchedPaths).toBe(0));
    await publish('two');
    // The proxy has read 'two' (it came by with nobody watching) before the new WATCH: Redis's
    // answer to PUBLISH alone does not order it before a frame sent on another connection.
    await vi.waitFor(() => expect(proxy.stats().redisMessages).toBe(2));
    send({ type: MessageType.Watch, channelId, paths: ['/data'] });
    await vi.waitFor(() => expect(proxy.stats().watchedPaths).toBe(1));
    await publish('three');
    await vi.waitFor(() => expect(names(raw.received())).toEqual(['/data/one', '/data/three']));

    send({ type: MessageType.Clear, channelId });
    await vi.waitFor(() => expect(proxy.stats().watchedPaths).toBe(0));
    await publish('four');
    // A round trip through a second client proves 'four' went by before checking the first.
    const witness = client(proxy.address, ['/data'], 'witness');
    cleanup(witness.stop);
    await witness.source.ready();
    await vi.waitFor(() => expect(proxy.stats().watchedPaths).toBe(1));
    await publish('five');
    await vi.waitFor(() =>
      expect(witness.events.map((event) => event.actorName)).toContain('/data/five'),
    );
    expect(names(raw.received())).toEqual(['/data/one', '/data/three']);
    expect(proxy.stats().framesIn).toBe(7); // 5 raw frames, CLEAR + WATCH of the witness
  });

  it('listens on a unix socket as well', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bw-sock-'));
    cleanup(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'proxy.sock');
    const channel = uniqueChannel();
    const proxy = await startProxy(mounts, {
      channel,
      writeDebounce: 0,
      listen: `unix:${path}`,
      feed: 'pubsub',
    });
    cleanup(() => proxy.close());
    expect(proxy.address).toBe(`unix:${path}`);
    const c = client(proxy.address, ['/data']);
    cleanup(c.stop);
    await c.source.ready();
    await vi.waitFor(() => expect(proxy.stats().watchedPaths).toBe(1));
    await (await publisher()).publish(
      channel,
      JSON.stringify([{ Name: '/node/data/u', Op: 1, Key: '/node/data' }]),
    );
    await vi.waitFor(() => expect(c.events.map((event) => event.actorName)).toContain('/data/u'));
    // The socket file answers as a plain unix socket too.
    const probe = createConnection(path);
    await new Promise<void>((resolve, reject) =>
      probe.once('connect', resolve).once('error', reject),
    );
    probe.destroy();
  });
});
