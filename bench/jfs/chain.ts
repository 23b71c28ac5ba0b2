// The JFS chain, Redis -> proxy -> clients: events/s and proxy CPU seconds per 100,000 deliveries,
// reading the stream (XADD, as `batchwatch daemon` writes) or pub/sub (one event per message, as
// Go's daemon publishes), with one record per EVENT frame (the proxy before) or up to 128.
// `npx node --expose-gc bench/jfs/chain.ts` starts a private redis-server, the proxy in a child
// process (its CPU measured alone) and raw-socket clients in this one that only count records.
// Goal (issue 9): >= 200,000 events/s and <= 0.4 s proxy CPU per 100,000 deliveries to one client.
import { fork } from 'node:child_process';
import { createConnection, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { encodeMessage } from '../../lib/jfs-protocol/encode-message.ts';
import { MessageType } from '../../lib/jfs-protocol/message-type.ts';
import { formatNotifyMessage } from '../../lib/jfs-protocol/notify-message.ts';
import { eventFields } from '../../lib/jfs-protocol/notify-stream.ts';
import { startRedis, stopRedis } from '../../spec/support/redis-server.ts';
import { fmt, median, printTable } from '../support.ts';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const BATCH = 1000;
const redis = await startRedis();

/** A client that sends CLEAR + WATCH /data and counts the records of the EVENT frames it gets. */
async function countingClient(
  address: string,
  name: string,
): Promise<{ socket: Socket; count: () => number }> {
  const [host, port] = address.split(/:(?=\d+$)/) as [string, string];
  const socket = createConnection({ host, port: Number(port) });
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  let records = 0;
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let offset = 0;
    while (pending.length - offset >= 4) {
      const length = pending.readUInt32BE(offset);
      if (pending.length - offset - 4 < length) break;
      records += Math.floor((length - 4) / 514);
      offset += 4 + length;
    }
    pending = pending.subarray(offset);
  });
  const channelId = `default/bench/app/${name}`;
  socket.write(encodeMessage({ type: MessageType.Clear, channelId }));
  socket.write(encodeMessage({ type: MessageType.Watch, channelId, paths: ['/data'] }));
  return { socket, count: () => records };
}

/** RESP for one command: what a fast daemon (or many) sends, without a client library's cost. */
function resp(args: readonly string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
}

const raw = createConnection({ port: redis.port, host: '127.0.0.1' });
await new Promise<void>((resolve) => raw.once('connect', resolve));
let replies = 0;
let replyWaiter: (() => void) | null = null;
raw.on('data', (chunk: Buffer) => {
  for (const byte of chunk) if (byte === 10) replies++;
  replyWaiter?.();
});

/** Appends (or publishes) BATCH events in one write; resolves once Redis answered them all. */
async function feed1000(feed: 'stream' | 'pubsub', channel: string, offset: number): Promise<void> {
  let text = '';
  for (let i = offset; i < offset + BATCH; i++) {
    const event = { name: `/node/data/f${i}`, op: 1, key: '/node/data' };
    text +=
      feed === 'stream'
        ? resp(['XADD', `${channel}:stream`, 'MAXLEN', '~', '200000', '*', ...eventFields(event)])
        : resp(['PUBLISH', channel, formatNotifyMessage([event])]);
  }
  // One line per reply: XADD answers a bulk id (2 lines), PUBLISH an integer (1 line).
  const target = replies + BATCH * (feed === 'stream' ? 2 : 1);
  raw.write(text);
  while (replies < target) await new Promise<void>((resolve) => (replyWaiter = resolve));
}

type Cpu = { cpu: number; stats: { watchedPaths: number; connections: number } };

/** One configuration: a fresh proxy, `clients` clients, `events` events; rates of RUNS runs. */
async function measure(
  feed: 'stream' | 'pubsub',
  records: number,
  clients: number,
  events: number,
): Promise<{ rate: number; cpuPer100k: number }> {
  const channel = `jfsnotify-bench-${feed}-${records}-${clients}`;
  const child = fork(
    fileURLToPath(new URL('proxy-child.ts', import.meta.url)),
    [String(redis.port), channel, feed, String(records)],
    { execArgv: ['--expose-gc'] },
  );
  const ask = <T>(message: string): Promise<T> =>
    new Promise((resolve) => {
      child.once('message', (reply) => resolve(reply as T));
      child.send(message);
    });
  const { address } = await new Promise<{ address: string }>((resolve) =>
    child.once('message', (m) => resolve(m as { address: string })),
  );
  const rates: number[] = [];
  const cpus: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const sockets = await Promise.all(
      Array.from({ length: clients }, (_, i) => countingClient(address, `c${i}`)),
    );
    while (
      (await ask<Cpu>('cpu')).stats.connections < clients ||
      (await ask<Cpu>('cpu')).stats.watchedPaths < 1
    )
      await new Promise((resolve) => setTimeout(resolve, 20));
    const total = events * clients;
    const cpuBefore = (await ask<Cpu>('cpu')).cpu;
    const started = process.hrtime.bigint();
    for (let offset = 0; offset < events; offset += BATCH) await feed1000(feed, channel, offset);
    while (sockets.reduce((sum, s) => sum + s.count(), 0) < total)
      await new Promise((resolve) => setTimeout(resolve, 2));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = (await ask<Cpu>('cpu')).cpu - cpuBefore;
    process.stderr.write(
      `  ${feed} ${records} records/frame, ${clients} client(s): ${fmt(total / seconds)} events/s\n`,
    );
    rates.push(total / seconds);
    cpus.push((cpu / total) * 100_000);
    for (const { socket } of sockets) socket.destroy();
    while ((await ask<Cpu>('cpu')).stats.connections > 0)
      await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send('close');
  await exited;
  return { rate: median(rates), cpuPer100k: median(cpus) };
}

const rows: string[][] = [
  [
    'clients',
    'feed',
    'records/frame',
    'events delivered/s',
    'x baseline',
    'proxy CPU s / 100k',
    'x baseline',
  ],
];
for (const clients of [1, 100]) {
  const events = clients === 1 ? 100_000 : 10_000;
  const baseline = await measure('pubsub', 1, clients, events);
  const configs: ['stream' | 'pubsub', number][] = [
    ['pubsub', 1],
    ['pubsub', 128],
    ['stream', 1],
    ['stream', 128],
  ];
  for (const [feed, records] of configs) {
    const result =
      feed === 'pubsub' && records === 1 ? baseline : await measure(feed, records, clients, events);
    rows.push([
      String(clients),
      feed,
      String(records),
      fmt(result.rate),
      fmt(result.rate / baseline.rate, 2),
      fmt(result.cpuPer100k, 3),
      fmt(result.cpuPer100k / baseline.cpuPer100k, 2),
    ]);
  }
}
console.log(
  `\nJFS chain: Redis -> proxy -> raw clients (100,000 events to 1 client, 10,000 to each of 100), median of ${RUNS} runs; baseline: pub/sub, one record per frame (the proxy before)\n`,
);
printTable(rows);
console.log('\nGoal (1 client): >= 200,000 events/s, <= 0.4 s proxy CPU per 100,000 deliveries.');
raw.destroy();
await stopRedis(redis);
