// Redis memory under 1,000,000 changes: appended one per entry (XADD <channel>:stream MAXLEN ~
// 100000, the daemon before), then through the daemon's own ChangeOutbox (bursts of 1,000
// changes per entry, MAXLEN scaled to keep about 100,000 changes): the stream stays bounded, so
// does Redis's memory.
// `npx node bench/jfs/stream-memory.ts` starts a private redis-server (as the tests do).
import { createConnection } from 'node:net';
import { Redis } from 'ioredis';
import { asapScheduler } from 'rxjs';
import { ChangeOutbox } from '../../lib/jfs-daemon/change-outbox.ts';
import { RedisChangeFeed } from '../../lib/jfs-daemon/redis-change-feed.ts';
import { eventFields } from '../../lib/jfs-protocol/notify-stream.ts';
import { notifyNames } from '../../lib/jfs-protocol/redis-keys.ts';
import { startRedis, stopRedis } from '../../spec/support/redis-server.ts';
import { fmt, printTable } from '../support.ts';

const EVENTS = 1_000_000;
const MAX_LEN = 100_000;
const BATCH = 2_000;
const stream = 'jfsnotify:stream';

const redis = await startRedis();
const info = new Redis({ port: redis.port, lazyConnect: true });
await info.connect();
const raw = createConnection({ port: redis.port, host: '127.0.0.1' });
await new Promise<void>((resolve) => raw.once('connect', resolve));
let lines = 0;
let wake: (() => void) | null = null;
raw.on('data', (chunk: Buffer) => {
  for (const byte of chunk) if (byte === 10) lines++;
  wake?.();
});

const resp = (args: readonly string[]): string =>
  `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;

async function usedMemory(): Promise<number> {
  const text = await info.info('memory');
  return Number(/used_memory:(\d+)/.exec(text)?.[1] ?? 0);
}

const baseline = await usedMemory();
const rows: string[][] = [['events appended', 'XLEN', 'used_memory (MB)', 'x baseline']];
let peak = 0;
for (let offset = 0; offset < EVENTS; offset += BATCH) {
  let text = '';
  for (let i = offset; i < offset + BATCH; i++) {
    const event = {
      name: `/var/lib/node/data/some-dir/file-${i}.txt`,
      op: 2,
      key: '/var/lib/node/data/some-dir',
    };
    text += resp(['XADD', stream, 'MAXLEN', '~', String(MAX_LEN), '*', ...eventFields(event)]);
  }
  const target = lines + BATCH * 2;
  raw.write(text);
  while (lines < target) await new Promise<void>((resolve) => (wake = resolve));
  const done = offset + BATCH;
  if (done % 100_000 === 0) {
    const used = await usedMemory();
    peak = Math.max(peak, used);
    rows.push([
      fmt(done),
      fmt(await info.xlen(stream)),
      fmt(used / 1e6, 1),
      fmt(used / baseline, 1),
    ]);
  }
}
console.log(
  `\nRedis memory while ${fmt(EVENTS)} changes are appended one per entry with MAXLEN ~ ${fmt(MAX_LEN)} (empty Redis: ${fmt(baseline / 1e6, 1)} MB)\n`,
);
printTable(rows);
console.log(
  `\nPeak used_memory: ${fmt(peak / 1e6, 1)} MB; bounded by the stream length, not the events appended.`,
);

// The same through the daemon's writer: bursts of 1,000 changes (one turn of its event loop).
await info.del(stream);
const writer = new Redis({ port: redis.port, lazyConnect: true });
await writer.connect();
const publisher = new ChangeOutbox(new RedisChangeFeed(writer, notifyNames('jfsnotify'), MAX_LEN), {
  daemonId: 'bench',
  maxBacklog: 1_000_000,
  scheduler: asapScheduler,
  retry: () => 100,
  overflowing: () => {},
  failed: (error) => console.error(error.message),
  recovered: () => {},
});
const burstRows: string[][] = [
  ['events appended', 'XLEN (entries)', 'used_memory (MB)', 'x baseline'],
];
let burstPeak = 0;
for (let offset = 0; offset < EVENTS; offset += 1000) {
  for (let i = offset; i < offset + 1000; i++) {
    publisher.push({
      name: `/var/lib/node/data/some-dir/file-${i}.txt`,
      op: 2,
      key: '/var/lib/node/data/some-dir',
    });
  }
  await new Promise((resolve) => setImmediate(resolve));
  await writer.ping(); // after the burst's pipeline
  if ((offset + 1000) % 100_000 === 0) {
    const used = await usedMemory();
    burstPeak = Math.max(burstPeak, used);
    burstRows.push([
      fmt(offset + 1000),
      fmt(await info.xlen(stream)),
      fmt(used / 1e6, 1),
      fmt(used / baseline, 1),
    ]);
  }
}
console.log(
  `\nThe same ${fmt(EVENTS)} changes through the daemon's StreamPublisher (bursts of 1,000 per entry; streamMaxLen ${fmt(MAX_LEN)})\n`,
);
printTable(burstRows);
console.log(`\nPeak used_memory: ${fmt(burstPeak / 1e6, 1)} MB.`);
await publisher.close();
writer.disconnect();
raw.destroy();
info.disconnect();
await stopRedis(redis);
