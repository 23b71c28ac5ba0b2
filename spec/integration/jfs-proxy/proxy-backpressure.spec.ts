// Memory bounded by design: a client's send queue over maxQueuedBytes pauses the feed (stream or
// channel) until the client has read it down, so a burst to a client that reads slower than Redis
// gives costs queue memory of about maxQueuedBytes, never the burst's size; and nothing is lost.
import { Redis } from 'ioredis';
import { describe, expect, inject, it, vi } from 'vitest';
import { encodeMessage } from '../../../lib/jfs-protocol/encode-message.ts';
import { FrameDecoder } from '../../../lib/jfs-protocol/frame-decoder.ts';
import { MessageType } from '../../../lib/jfs-protocol/message-type.ts';
import { formatNotifyMessage } from '../../../lib/jfs-protocol/notify-message.ts';
import { eventFields } from '../../../lib/jfs-protocol/notify-stream.ts';
import { notifyNames } from '../../../lib/jfs-protocol/redis-keys.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { pod, rawClient, startProxy, uniqueChannel } from './support.ts';

const cleanup = cleanupAfterEach();

const BURST = 40_000;
const MAX_QUEUED = 64 * 1024;
/** One EVENT record on the wire. */
const RECORD = 514;

describe.each(['stream', 'pubsub'] as const)('proxy back-pressure (feed %s)', (feed) => {
  it('pauses the feed while a client does not read: the queue stays near maxQueuedBytes, nothing is lost', {
    timeout: 60_000,
  }, async () => {
    const channel = uniqueChannel();
    const proxy = await startProxy([{ mountPath: '/data', hostPath: '/node/data' }], {
      channel,
      feed,
      writeDebounce: 0,
      maxQueuedBytes: MAX_QUEUED,
      // The client below stops reading on purpose: it must not be dropped as slow meanwhile.
      slowClientGrace: 600_000,
    });
    cleanup(() => proxy.close());
    const redis = new Redis({ port: inject('redisPort'), lazyConnect: true });
    cleanup(() => redis.disconnect());
    await redis.connect();
    let serial = 0;
    const publish = async (count: number): Promise<void> => {
      const pipeline = redis.pipeline();
      for (let i = 0; i < count; i++) {
        const event = { name: `/node/data/f${serial++}`, op: 1, key: '/node/data' };
        if (feed === 'stream')
          pipeline.xadd(notifyNames(channel).stream, '*', ...eventFields(event));
        else pipeline.publish(channel, formatNotifyMessage([event]));
      }
      await pipeline.exec();
    };

    const raw = await rawClient(proxy.address);
    cleanup(() => raw.socket.destroy());
    const names: string[] = [];
    const decoder = new FrameDecoder();
    raw.socket.on('data', (chunk: Buffer) => {
      for (const item of decoder.push(chunk)) {
        if (!(item instanceof Error) && item.type === MessageType.Event)
          for (const event of item.events) names.push(event.name);
      }
    });
    const channelId = `${pod.namespace}/${pod.pod}/${pod.container}/w`;
    raw.socket.write(encodeMessage({ type: MessageType.Watch, channelId, paths: ['/data'] }));
    // The WATCH is in place once a change gets through.
    await vi.waitFor(
      async () => {
        if (names.length === 0) await publish(1);
        expect(names.length).toBeGreaterThan(0);
      },
      { timeout: 10_000, interval: 50 },
    );
    await vi.waitFor(() => expect(names).toHaveLength(serial));
    const first = serial;

    raw.socket.pause();
    await publish(BURST);
    // Kernel buffers fill, then the queue, then the feed stops reading.
    await vi.waitFor(() => expect(proxy.stats().feedPauses).toBeGreaterThan(0), {
      timeout: 20_000,
    });
    const paused = proxy.stats().eventsDelivered;
    expect(paused).toBeLessThan(first + BURST);

    raw.socket.resume();
    await vi.waitFor(() => expect(names).toHaveLength(first + BURST), { timeout: 30_000 });
    expect(names).toEqual(Array.from({ length: first + BURST }, (_, i) => `/data/f${i}`));
    const stats = proxy.stats();
    expect(stats.droppedClients).toBe(0);
    expect(Object.values(stats.resyncs).every((count) => count === 0)).toBe(true);
    // At most the bound, one read of the feed (about 1,000 changes) and one frame beyond it.
    expect(stats.peakQueuedBytes).toBeGreaterThan(MAX_QUEUED);
    expect(stats.peakQueuedBytes).toBeLessThanOrEqual(MAX_QUEUED + 1000 * RECORD + 128 * RECORD);
  });
});
