// The daemon's Redis feed against a real redis-server: one write is ONE command (a Lua script),
// applied whole or refused whole (out of memory: nothing in the stream, nothing on the channel),
// and still written when Redis forgot the script (SCRIPT FLUSH, a restart: NOSCRIPT) or when the
// ACL user may not run scripts (NOPERM: MULTI/EXEC instead).
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { FeedRecord } from '../../../lib/jfs-daemon/change-feed.ts';
import { RedisChangeFeed } from '../../../lib/jfs-daemon/redis-change-feed.ts';
import { parseChainMessage } from '../../../lib/jfs-protocol/chain-message.ts';
import type { JfsEvent } from '../../../lib/jfs-protocol/jfs-message.ts';
import { formatNotifyMessage } from '../../../lib/jfs-protocol/notify-message.ts';
import {
  batchFields,
  eventFields,
  markerFields,
  parseStreamEntry,
} from '../../../lib/jfs-protocol/notify-stream.ts';
import { Op } from '../../../lib/jfs-protocol/op.ts';
import { notifyNames } from '../../../lib/jfs-protocol/redis-keys.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import {
  freePort,
  type PrivateRedis,
  RestartableRedis,
  startRedis,
  stopRedis,
} from '../../support/redis-server.ts';

const cleanup = cleanupAfterEach();
const names = notifyNames('feedspec');

function change(name: string): JfsEvent {
  return { name: `/node/${name}`, op: Op.Create, key: '/node' };
}

/** A daemon's write: a marker, one entry per change run, one message per change. */
function records(names: readonly string[], marker = false): FeedRecord[] {
  const events = names.map(change);
  const out: FeedRecord[] = [];
  if (marker)
    out.push({ kind: 'append', fields: markerFields('daemon-start', 'spec'), changes: 1 });
  out.push(
    events.length === 1
      ? { kind: 'append', fields: eventFields(events[0] as JfsEvent), changes: 1 }
      : { kind: 'append', fields: batchFields(events), changes: events.length },
  );
  for (const event of events) out.push({ kind: 'publish', message: formatNotifyMessage([event]) });
  return out;
}

/** Each stream entry: a marker's reason, or the base names of the changes it carries. */
async function streamNames(admin: Redis): Promise<string[][]> {
  return (await admin.xrange(names.stream, '-', '+')).map(([, fields]) => {
    const entry = parseStreamEntry(fields);
    if (entry.kind === 'marker') return [entry.reason];
    if (entry.kind === 'event') return [entry.event.name.slice('/node/'.length)];
    if (entry.kind === 'events') return entry.events.map((e) => e.name.slice('/node/'.length));
    return ['invalid'];
  });
}

/** Calls of each command so far (INFO commandstats). */
async function calls(admin: Redis): Promise<Record<string, number>> {
  const info = await admin.info('commandstats');
  const out: Record<string, number> = {};
  for (const match of info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) {
    out[match[1] as string] = Number(match[2]);
  }
  return out;
}

/** A subscriber on the channel: the messages so far, and a barrier after which none is in flight. */
async function subscriber(port: number) {
  const sub = new Redis({ port, lazyConnect: true });
  cleanup(() => sub.disconnect());
  await sub.connect();
  const messages: string[] = [];
  sub.on('message', (_channel: string, message: string) => {
    const [event] = JSON.parse(message) as { Name: string }[];
    messages.push((event?.Name ?? '').slice('/node/'.length));
  });
  await sub.subscribe(names.channel);
  return {
    messages,
    // PUBLISH writes to the subscriber's socket before the publisher's reply: a PING answered
    // after that reply comes after every message of the write.
    settled: async () => {
      await sub.ping();
    },
  };
}

async function connect(port: number, options: { username?: string; password?: string } = {}) {
  const redis = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: null, ...options });
  await redis.connect();
  return redis;
}

/**
 * A private Redis with an ACL user `feeder` under `rules` (besides all keys), a subscriber on
 * the channel, and a feed writing as that user.
 */
async function feederWith(rules: readonly string[]) {
  const { port } = await redisServer();
  const admin = await connect(port);
  cleanup(() => admin.disconnect());
  await admin.call('ACL', 'SETUSER', 'feeder', 'on', '>feeder-secret', '~*', ...rules);
  const sub = await subscriber(port);
  const user = await connect(port, { username: 'feeder', password: 'feeder-secret' });
  const feed = new RedisChangeFeed(user, names, 1000);
  cleanup(() => feed.close());
  return { port, admin, sub, feed };
}

async function redisServer(): Promise<PrivateRedis> {
  const redis = await startRedis();
  cleanup(() => stopRedis(redis));
  return redis;
}

describe('RedisChangeFeed (real redis-server)', () => {
  it('writes entries then one message per change, in order, as one EVALSHA (no MULTI)', async () => {
    const redis = await redisServer();
    const admin = await connect(redis.port);
    cleanup(() => admin.disconnect());
    const sub = await subscriber(redis.port);
    const feed = new RedisChangeFeed(await connect(redis.port), names, 1000);
    cleanup(() => feed.close());

    await feed.write(records(['a'], true));
    const before = await calls(admin);
    await feed.write(records(['b', 'c', 'd']));
    const after = await calls(admin);
    await sub.settled();

    expect(await streamNames(admin)).toEqual([['daemon-start'], ['a'], ['b', 'c', 'd']]);
    expect(sub.messages).toEqual(['a', 'b', 'c', 'd']);
    // One command for the second write; the script ran its XADD and three PUBLISHes.
    expect((after['evalsha'] ?? 0) - (before['evalsha'] ?? 0)).toBe(1);
    expect(after['multi'] ?? 0).toBe(0);
    expect(after['exec'] ?? 0).toBe(0);
  });

  it('writes a whole backlog at once (150,000 changes: more arguments than a call may spread)', async () => {
    const redis = await redisServer();
    const admin = await connect(redis.port);
    cleanup(() => admin.disconnect());
    const feed = new RedisChangeFeed(await connect(redis.port), names, 1_000_000);
    cleanup(() => feed.close());
    const all = Array.from({ length: 150_000 }, (_, i) => `f${i}`);
    // As ChangeOutbox writes after Redis was away: entries of up to 1,000 changes, then a message each.
    const write: FeedRecord[] = [];
    for (let from = 0; from < all.length; from += 1000) {
      write.push(...records(all.slice(from, from + 1000)).filter((r) => r.kind === 'append'));
    }
    for (const name of all)
      write.push({ kind: 'publish', message: formatNotifyMessage([change(name)]) });
    await feed.write(write);
    expect((await streamNames(admin)).flat()).toEqual(all);
  });

  it('writes again with the script itself when Redis forgot it (SCRIPT FLUSH: NOSCRIPT)', async () => {
    const redis = await redisServer();
    const admin = await connect(redis.port);
    cleanup(() => admin.disconnect());
    const feed = new RedisChangeFeed(await connect(redis.port), names, 1000);
    cleanup(() => feed.close());

    await feed.write(records(['a'], true));
    await admin.script('FLUSH');
    const flushed = await calls(admin);
    await feed.write(records(['b']));
    await feed.write(records(['c']));
    const after = await calls(admin);

    expect(await streamNames(admin)).toEqual([['daemon-start'], ['a'], ['b'], ['c']]);
    // The first write after the flush was refused (NOSCRIPT) and sent once with EVAL; the next
    // one found the script again.
    expect((after['eval'] ?? 0) - (flushed['eval'] ?? 0)).toBe(1);
    expect((after['evalsha'] ?? 0) - (flushed['evalsha'] ?? 0)).toBe(2);
  });

  it('writes after Redis restarted and lost its scripts (killed, started again on its port)', async () => {
    const server = new RestartableRedis(await freePort());
    await server.start();
    cleanup(() => server.kill());
    const feed = new RedisChangeFeed(await connect(server.port), names, 1000);
    cleanup(() => feed.close());
    await feed.write(records(['a'], true));

    await server.kill();
    await server.start();
    await feed.write(records(['b']));

    const admin = await connect(server.port);
    cleanup(() => admin.disconnect());
    expect(await streamNames(admin)).toEqual([['b']]);
  });

  it('out of memory: refuses the whole write (no entry, no message), then writes it whole once Redis has room', async () => {
    const redis = await redisServer();
    const admin = await connect(redis.port);
    cleanup(() => admin.disconnect());
    const sub = await subscriber(redis.port);
    const feed = new RedisChangeFeed(await connect(redis.port), names, 1000);
    cleanup(() => feed.close());
    await admin.set('ballast', 'x'.repeat(2 * 1024 * 1024));
    const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    await admin.config('SET', 'maxmemory', String(used - 1024 * 1024));

    const write = records(['a', 'b'], true);
    await expect(feed.write(write)).rejects.toThrow(/^OOM/);
    await sub.settled();
    expect(await admin.exists(names.stream)).toBe(0);
    expect(sub.messages).toEqual([]);

    await admin.config('SET', 'maxmemory', '0');
    await feed.write(write);
    await sub.settled();
    expect(await streamNames(admin)).toEqual([['daemon-start'], ['a', 'b']]);
    expect(sub.messages).toEqual(['a', 'b']);
  });

  it('an ACL user that may not run scripts (NOPERM): writes with MULTI/EXEC, nothing lost or doubled', async () => {
    const { admin, sub, feed } = await feederWith(['&*', '+@all', '-evalsha', '-eval']);

    await feed.write(records(['a'], true));
    await feed.write(records(['b', 'c']));
    await sub.settled();

    expect(await streamNames(admin)).toEqual([['daemon-start'], ['a'], ['b', 'c']]);
    expect(sub.messages).toEqual(['a', 'b', 'c']);
    // Refused once (EVALSHA), then one transaction per write.
    expect((await calls(admin))['exec']).toBe(2);
  });

  it.each([
    ['may not publish on the chain channel', ['&feedspec', '+@all']],
    ['may not read the stream back (no xrevrange)', ['&*', '+@all', '-xrevrange']],
  ])(
    'an ACL user that %s: each write applied once, whole, without the chain (it is only a shortcut)',
    async (_, rules) => {
      const { port, admin, sub, feed } = await feederWith(rules);
      const chain: string[] = [];
      const chainSub = new Redis({ port, lazyConnect: true });
      cleanup(() => chainSub.disconnect());
      await chainSub.connect();
      chainSub.on('message', (_channel: string, message: string) => chain.push(message));
      await chainSub.subscribe(names.chain);

      await feed.write(records(['a'], true));
      await feed.write(records(['b', 'c']));
      await sub.settled();
      await chainSub.ping();

      expect(await streamNames(admin)).toEqual([['daemon-start'], ['a'], ['b', 'c']]);
      expect(sub.messages).toEqual(['a', 'b', 'c']);
      expect(chain).toEqual([]);
      // One script per write, none refused (a refusal would have been sent again).
      expect((await calls(admin))['evalsha']).toBe(2);
    },
  );

  it('chains each small entry with the id before it, read in the same script', async () => {
    const redis = await redisServer();
    const admin = await connect(redis.port);
    cleanup(() => admin.disconnect());
    const chain: Buffer[] = [];
    const chainSub = new Redis({ port: redis.port, lazyConnect: true });
    cleanup(() => chainSub.disconnect());
    await chainSub.connect();
    chainSub.on('messageBuffer', (_channel: Buffer, message: Buffer) => chain.push(message));
    await chainSub.subscribe(names.chain);
    const feed = new RedisChangeFeed(await connect(redis.port), names, 1000);
    cleanup(() => feed.close());

    await feed.write(records(['a'], true));
    await feed.write(records(['b', 'c']));
    await chainSub.ping();

    const ids = (await admin.xrange(names.stream, '-', '+')).map(([id]) => id);
    const linked = chain.map(parseChainMessage);
    expect(linked.map((entry) => [entry?.prev, entry?.id])).toEqual([
      ['0-0', ids[0]],
      [ids[0], ids[1]],
      [ids[1], ids[2]],
    ]);
    const fields = (await admin.xrange(names.stream, '-', '+')).map(([, values]) => values);
    expect(linked.map((entry) => entry?.fields.map(String))).toEqual(fields);
  });
});
