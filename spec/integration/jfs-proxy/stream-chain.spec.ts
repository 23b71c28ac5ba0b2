// The chain: a proxy at rest takes the daemon's entries from the chain channel instead of an
// XREAD per change, and falls back to reading the stream whenever the chain does not prove an
// entry follows the last one it holds: nothing lost, nothing twice.
import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { Action } from '../../../lib/events/action.ts';
import { RedisChangeFeed } from '../../../lib/jfs-daemon/redis-change-feed.ts';
import { eventFields } from '../../../lib/jfs-protocol/notify-stream.ts';
import { notifyNames } from '../../../lib/jfs-protocol/redis-keys.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { startRedis, stopRedis } from '../../support/redis-server.ts';
import { client, startProxy, uniqueChannel } from './support.ts';

const cleanup = cleanupAfterEach();

/**
 * A private Redis (its command counts are the proxy's alone), a proxy on the stream feed, a client;
 * `before` changes are in the stream before the proxy starts (it starts by reading them again: its
 * look-back).
 */
async function setup(before = 0) {
  const server = await startRedis();
  cleanup(() => stopRedis(server));
  const channel = uniqueChannel();
  const names = notifyNames(channel);
  const redis = new Redis({ port: server.port, lazyConnect: true });
  cleanup(() => redis.disconnect());
  await redis.connect();
  // The daemon's writing side, as it runs: its Lua script chains each entry.
  const feed = new RedisChangeFeed(redis.duplicate(), names, 100_000);
  cleanup(() => feed.close());
  for (let i = 0; i < before; i++) {
    const fields = eventFields({ name: `/node/data/old${i}`, op: 1, key: '/node/data' });
    await feed.write([{ kind: 'append', fields, changes: 1 }]);
  }
  const proxy = await startProxy([{ mountPath: '/data', hostPath: '/node/data' }], {
    channel,
    feed: 'stream',
    redisAddr: `127.0.0.1:${server.port}`,
  });
  cleanup(() => proxy.close());
  const c = client(proxy.address, ['/data']);
  cleanup(c.stop);
  await c.source.ready();
  await vi.waitFor(() => expect(proxy.stats().watchedPaths).toBe(1));
  // The proxy's chain subscription is in place (its own connection, named after the feed's).
  await vi.waitFor(async () =>
    expect(String(await redis.client('LIST'))).toMatch(
      /name=batchwatch-proxy-feed-\S*-chain .*sub=1/,
    ),
  );
  let n = 0;
  // What was written after the client started (not the changes before it, sent as its catch-up).
  const names$ = () =>
    c.events
      .filter((e) => e.action !== Action.ForceReload && !e.actorName.startsWith('/data/old'))
      .map((e) => e.actorName);
  /** Writes one change as the daemon does; returns its client-side name. */
  const write = async (): Promise<string> => {
    const name = `f${n++}`;
    const fields = eventFields({ name: `/node/data/${name}`, op: 1, key: '/node/data' });
    await feed.write([{ kind: 'append', fields, changes: 1 }]);
    return `/data/${name}`;
  };
  const xreads = async (): Promise<number> => {
    const stats = (await redis.info('commandstats')) as string;
    return Number(/cmdstat_xread:calls=(\d+)/.exec(stats)?.[1] ?? 0);
  };
  /** Writes a first change and waits for it: its name and its stream id. */
  const firstWritten = async (): Promise<{ first: string; lastId: string }> => {
    const first = await write();
    await vi.waitFor(() => expect(names$()).toEqual([first]));
    const [[lastId]] = (await redis.xrevrange(names.stream, '+', '-', 'COUNT', 1)) as unknown as [
      [string],
    ];
    return { first, lastId };
  };
  return { redis, names, write, received: names$, events: c.events, xreads, firstWritten };
}

describe('the stream feed with the chain', () => {
  it.each([
    ['a new stream', 0],
    ['a stream with entries before the proxy started', 5],
  ])(
    'at rest takes each change from the chain: no XREAD per change, all delivered in order (%s)',
    async (_, old) => {
      const { write, received, xreads } = await setup(old);
      const first = await write();
      await vi.waitFor(() => expect(received()).toEqual([first]));
      const before = await xreads();
      const expected = [first];
      for (let i = 0; i < 50; i++) {
        expected.push(await write());
        await vi.waitFor(() => expect(received()).toEqual(expected));
      }
      // One XREAD per change without the chain (50); with it, only a read when a second passed
      // without a change (a slow machine) or at the start.
      expect((await xreads()) - before).toBeLessThan(10);
    },
  );

  it('an entry written without the chain is still delivered, before the chained ones after it', async () => {
    const { redis, names, write, received } = await setup();
    const first = await write();
    await vi.waitFor(() => expect(received()).toEqual([first]));
    // Parked on the chain; a writer that does not chain (a daemon without scripts) appends.
    await redis.xadd(
      names.stream,
      '*',
      ...eventFields({ name: '/node/data/raw1', op: 1, key: '/node/data' }),
    );
    // The next chained entry does not follow the last one the proxy holds: it reads the stream.
    const next = await write();
    await vi.waitFor(() => expect(received()).toEqual([first, '/data/raw1', next]));
    // And alone: read once a second passed without a chained entry.
    await redis.xadd(
      names.stream,
      '*',
      ...eventFields({ name: '/node/data/raw2', op: 1, key: '/node/data' }),
    );
    await vi.waitFor(() => expect(received()).toEqual([first, '/data/raw1', next, '/data/raw2']), {
      timeout: 5000,
    });
  });

  it("the chain's subscription killed while changes flow: each delivered once, in order", async () => {
    const { redis, write, received } = await setup();
    const expected: string[] = [];
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 20; i++) expected.push(await write());
      // Every subscriber connection of this private Redis: the chain's among them.
      await redis.client('KILL', 'TYPE', 'pubsub');
    }
    await vi.waitFor(() => expect(received()).toEqual(expected), { timeout: 10_000 });
    // A copy arriving late would come before a change written after: none did.
    expected.push(await write());
    await vi.waitFor(() => expect(received()).toEqual(expected));
  });

  it('garbage and entries out of order on the chain only make the proxy read the stream', async () => {
    const { redis, names, write, received, events, firstWritten } = await setup();
    const { first, lastId } = await firstWritten();
    const after = `${Number(lastId.split('-')[0]) + 1}-0`;
    for (const message of [
      'not a chain message',
      `${lastId} 1-0 1 3\nabc`, // an id before the one it follows
      `0-1 ${lastId} 0\n`, // the proxy's own last entry again, from elsewhere
      `${lastId} ${after} 2 5 999\nshort`, // lengths past the end
      `${lastId} ${after} 70 ${'1 '.repeat(70)}\n`, // too many fields
      `${lastId} 99999999999999999999-0 0\n`, // an id Redis could not read from
    ]) {
      await redis.publish(names.chain, message);
    }
    const expected = [first];
    for (let i = 0; i < 10; i++) expected.push(await write());
    await vi.waitFor(() => expect(received()).toEqual(expected));
    expect(events.some((e) => e.action === Action.ForceReload)).toBe(false);
  });

  it('a forged entry far ahead costs one resync, never the deliveries after it', async () => {
    const { redis, names, write, received, events, firstWritten } = await setup();
    const { lastId } = await firstWritten();
    const fields = eventFields({ name: '/node/data/forged', op: 1, key: '/node/data' });
    const head = [lastId, '99999999999999-0', fields.length, ...fields.map((f) => f.length)];
    await redis.publish(names.chain, `${head.join(' ')}\n${fields.join('')}`);
    // Anyone who may PUBLISH there may write an event (as on the stream or the Go channel); the
    // id it claims is not in the stream: the next read proves it gone and resyncs the clients.
    await vi.waitFor(() => expect(events.some((e) => e.action === Action.ForceReload)).toBe(true), {
      timeout: 5000,
    });
    const later = await write();
    await vi.waitFor(() => expect(received()).toContain(later));
  });
});
