// The deployed Go client (fs-lib on goframe v1.0.0) against this proxy: a 20,000-event burst read
// by a reader that reproduces goframe's short length read and lags behind the proxy.
import { Redis } from 'ioredis';
import { describe, expect, inject, it, vi } from 'vitest';
import { encodeMessage } from '../../../lib/jfs-protocol/encode-message.ts';
import { MessageType } from '../../../lib/jfs-protocol/message-type.ts';
import { eventFields } from '../../../lib/jfs-protocol/notify-stream.ts';
import { notifyNames } from '../../../lib/jfs-protocol/redis-keys.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { type GoframeReaderState, goframeRead } from '../../support/goframe-reader.ts';
import { rawClient, startProxy, uniqueChannel } from './support.ts';

const cleanup = cleanupAfterEach();
const BURST = 20_000;

/** Sends a burst through a proxy to a goframe-v1.0.0 reader; resolves with what it decoded. */
async function goClientBurst(maxRecordsPerFrame?: number): Promise<GoframeReaderState> {
  const channel = uniqueChannel();
  const proxy = await startProxy([{ mountPath: '/data', hostPath: '/node/data' }], {
    channel,
    writeDebounce: 0,
    ...(maxRecordsPerFrame === undefined ? {} : { maxRecordsPerFrame }),
  });
  cleanup(() => proxy.close());
  const raw = await rawClient(proxy.address);
  cleanup(() => raw.socket.destroy());
  const state: GoframeReaderState = { events: 0, invalid: 0, shortPrefixes: 0, stopped: false };
  // Lags behind the proxy: one turn of the event loop per frame, as a busy consumer would.
  void goframeRead(raw.socket, state, () => new Promise((resolve) => setImmediate(resolve)));
  const channelId = 'default/web-0/app/go';
  raw.socket.write(encodeMessage({ type: MessageType.Clear, channelId }));
  raw.socket.write(encodeMessage({ type: MessageType.Watch, channelId, paths: ['/data'] }));
  await vi.waitFor(() => expect(proxy.stats().watchedPaths).toBe(1));
  const redis = new Redis({ port: inject('redisPort'), lazyConnect: true });
  cleanup(() => redis.disconnect());
  await redis.connect();
  const pipeline = redis.pipeline();
  const stream = notifyNames(channel).stream;
  for (let i = 0; i < BURST; i++) {
    const event = { name: `/node/data/file-${i}.txt`, op: 1, key: '/node/data' };
    pipeline.xadd(stream, '*', ...eventFields(event));
  }
  await pipeline.exec();
  await vi.waitFor(() => expect(proxy.stats().eventsDelivered).toBe(BURST), { timeout: 20_000 });
  // Settled: every event decoded, or the reader stopped making progress (desynchronised).
  let last = -1;
  await vi.waitFor(
    () => {
      const done = state.events === BURST || state.stopped || state.events === last;
      last = state.events;
      if (!done) throw new Error(`reader still at ${state.events}`);
    },
    { timeout: 20_000, interval: 500 },
  );
  return state;
}

describe('a goframe-v1.0.0 client (the deployed Go client) on this proxy', () => {
  it('gets every event of a 20,000-event burst while lagging behind', async () => {
    const state = await goClientBurst();
    expect(state).toMatchObject({ events: BURST, invalid: 0, shortPrefixes: 0 });
  }, 60_000);
});
