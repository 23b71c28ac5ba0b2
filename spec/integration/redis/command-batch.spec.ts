// CommandBatch against a real redis-server: replies in order (Buffers where asked, strings
// otherwise, as ioredis gives them), an error reply for one command only, a blocking read answered
// by a write from another connection, the commands of a batch resent over a new connection after
// the server went away, and each command's error once the connection is closed for good.
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { type BatchReply, CommandBatch } from '../../../lib/redis/command-batch.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { freePort, RestartableRedis, startRedis, stopRedis } from '../../support/redis-server.ts';

const cleanup = cleanupAfterEach();

/** XREAD's reply, read as Buffers: one stream, with at least one entry. */
type XReadReply = [[Buffer, [[Buffer, Buffer[]], ...[Buffer, Buffer[]][]]]];

async function connected(port: number): Promise<Redis> {
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => 50 });
  cleanup(() => redis.disconnect());
  redis.on('error', () => {});
  await redis.connect();
  return redis;
}

describe('CommandBatch', () => {
  it('answers each command in order: Buffers where asked, strings otherwise, an error for one alone', async () => {
    const server = await startRedis();
    cleanup(() => stopRedis(server));
    const redis = await connected(server.port);
    await redis.xadd('s', '1-1', 'Name', '/a', 'Op', '1');
    const batch = new CommandBatch(redis);
    const replies = await batch.send([
      { name: 'xread', args: ['COUNT', 10, 'STREAMS', 's', '0-0'], buffers: true },
      { name: 'xrange', args: ['s', '1-1', '1-1'] },
      { name: 'incr', args: ['s'] },
      { name: 'ping', args: [] },
    ]);
    const [read, range, wrongType, pong] = replies as [BatchReply, ...BatchReply[]];
    expect(read[0]).toBeNull();
    const [[, entries]] = read[1] as XReadReply;
    const [[id, fields]] = entries;
    expect(Buffer.isBuffer(id)).toBe(true);
    expect(fields.map(String)).toEqual(['Name', '/a', 'Op', '1']);
    expect(range).toEqual([null, [['1-1', ['Name', '/a', 'Op', '1']]]]);
    expect(wrongType?.[0]?.message).toMatch(/WRONGTYPE/);
    expect(pong).toEqual([null, 'PONG']);
    // One batch at a time: the next one may follow at once.
    expect(await batch.send([{ name: 'xlen', args: ['s'] }])).toEqual([[null, 1]]);
  });

  it('a second batch while one waits is answered with errors, and the first is not disturbed', async () => {
    const server = await startRedis();
    cleanup(() => stopRedis(server));
    const reader = await connected(server.port);
    const writer = await connected(server.port);
    const batch = new CommandBatch(reader);
    const waiting = batch.send([
      { name: 'xread', args: ['BLOCK', 10_000, 'STREAMS', 's', '$'], buffers: true },
    ]);
    const refused = await batch.send([{ name: 'ping', args: [] }]);
    expect(refused[0]?.[0]?.message).toMatch(/already in flight/);
    // Once the server holds the blocked read (CLIENT LIST shows it), a write answers it.
    for (;;) {
      const clients = String(await writer.client('LIST'));
      if (clients.includes('cmd=xread')) break;
    }
    await writer.xadd('s', '*', 'Name', '/b');
    const [[error, reply]] = (await waiting) as [[Error | null, unknown]];
    expect(error).toBeNull();
    const [[, [[, fields]]]] = reply as XReadReply;
    expect(fields.map(String)).toEqual(['Name', '/b']);
  });

  it('resends what was not answered over the next connection after a restart of the server', async () => {
    const server = new RestartableRedis(await freePort());
    await server.start();
    cleanup(() => server.kill());
    const redis = await connected(server.port);
    const batch = new CommandBatch(redis);
    await server.kill();
    const pending = batch.send([
      { name: 'set', args: ['k', 'v'] },
      { name: 'get', args: ['k'] },
    ]);
    await server.start();
    expect(await pending).toEqual([
      [null, 'OK'],
      [null, 'v'],
    ]);
  });

  it('answers each command with its error once the connection is closed for good', async () => {
    const server = await startRedis();
    cleanup(() => stopRedis(server));
    const redis = await connected(server.port);
    const batch = new CommandBatch(redis);
    const pending = batch.send([
      { name: 'xread', args: ['BLOCK', 10_000, 'STREAMS', 's', '$'], buffers: true },
    ]);
    redis.disconnect();
    const [[error]] = (await pending) as [[Error | null, unknown]];
    expect(error?.message).toMatch(/Connection is closed/);
  });
});
