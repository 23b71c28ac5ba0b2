// The JFS chain, Redis -> proxy -> clients: events/s and proxy CPU seconds per 100,000 deliveries,
// reading pub/sub (one event per message, as Go's daemon publishes) or the stream, with one change
// per entry (XADD per change: this project's daemon before) or a burst per entry (the daemon now
// writes the changes of one turn of its event loop as one entry, up to 1,000), with one record per
// EVENT frame or up to 128. `npm run bench -- jfs-chain` starts a private redis-server, the proxy in
// a child process (its CPU measured alone) and raw-socket clients in this one that only count
// records. BENCH_BEFORE=<dir of an older checkout, with node_modules> adds the same rows for that
// checkout's proxy, in the same run (rows it cannot read are left out); BENCH_RUNS (default 3).
// Goal (issue 9): >= 200,000 events/s and <= 0.4 s proxy CPU per 100,000 deliveries to one client.
import { fork } from 'node:child_process';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatNotifyMessage } from '../../lib/jfs-protocol/notify-message.ts';
import { batchFields, eventFields } from '../../lib/jfs-protocol/notify-stream.ts';
import { startRedis, stopRedis } from '../../spec/support/redis-server.ts';
import { fmt, median, printTable } from '../support.ts';
import { countingClient } from './counting-client.ts';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const BATCH = 1000;
const BEFORE = process.env['BENCH_BEFORE'];
const redis = await startRedis();

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

/** How the events reach Redis. */
type Feed = 'pubsub' | 'stream' | 'stream-burst';

/**
 * Appends (or publishes) BATCH events in one write: one PUBLISH or one XADD per event, or for
 * `stream-burst` one XADD of them all; resolves once Redis answered them all.
 */
async function feed1000(feed: Feed, channel: string, offset: number, dir: string): Promise<void> {
  const events = Array.from({ length: BATCH }, (_, i) => ({
    name: `/node/data/${dir}/f${offset + i}`,
    op: 1,
    key: `/node/data/${dir}`,
  }));
  const xadd = (fields: string[]): string =>
    resp(['XADD', `${channel}:stream`, 'MAXLEN', '~', '200000', '*', ...fields]);
  let text = '';
  if (feed === 'stream-burst') text = xadd(batchFields(events));
  else
    for (const event of events) {
      text +=
        feed === 'stream'
          ? xadd(eventFields(event))
          : resp(['PUBLISH', channel, formatNotifyMessage([event])]);
    }
  // One line per reply: XADD answers a bulk id (2 lines), PUBLISH an integer (1 line).
  const commands = feed === 'stream-burst' ? 1 : BATCH;
  const target = replies + commands * (feed === 'pubsub' ? 1 : 2);
  raw.write(text);
  while (replies < target) await new Promise<void>((resolve) => (replyWaiter = resolve));
}

type Cpu = {
  cpu: number;
  stats: { watchedPaths: number; connections: number; droppedClients: number };
};
/** How long a run may make no progress before it is reported as stalled. */
const STALL_MS = 15_000;
/** Runs left out for stalling, over the whole bench. */
let stalled = 0;
/** Runs in which the proxy disconnected a client: the bench fails. */
let failed = 0;

/** One configuration: a fresh proxy, `clients` clients, `events` events; rates of RUNS runs. */
async function measure(
  feed: Feed,
  records: number,
  clients: number,
  events: number,
  proxyChild = fileURLToPath(new URL('proxy-child.ts', import.meta.url)),
  label = '',
): Promise<{ rate: number; cpuPer100k: number }> {
  const channel = `jfsnotify-bench-${feed}-${records}-${clients}-${Math.random().toString(36).slice(2, 6)}`;
  // BENCH_PROXY_ARGS: more node flags for the proxy (`--cpu-prof`, `--trace-gc`).
  const flags = (process.env['BENCH_PROXY_ARGS'] ?? '').split(' ').filter(Boolean);
  const child = fork(
    proxyChild,
    [String(redis.port), channel, feed === 'pubsub' ? 'pubsub' : 'stream', String(records)],
    { execArgv: ['--expose-gc', ...flags] },
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
      // Each run in a directory of its own: the proxy's catch-up of the previous run's changes
      // (about a second of them) would be counted otherwise.
      Array.from({ length: clients }, (_, i) =>
        countingClient(address, `c${i}`, undefined, `/data/run${run}`),
      ),
    );
    while (
      (await ask<Cpu>('cpu')).stats.connections < clients ||
      (await ask<Cpu>('cpu')).stats.watchedPaths < 1
    )
      await new Promise((resolve) => setTimeout(resolve, 20));
    const total = events * clients;
    const cpuBefore = (await ask<Cpu>('cpu')).cpu;
    const started = process.hrtime.bigint();
    for (let offset = 0; offset < events; offset += BATCH)
      await feed1000(feed, channel, offset, `run${run}`);
    // A run that makes no progress for STALL_MS is reported and left out (a client dropped as
    // slow, or pub/sub messages Redis dropped with a subscriber it disconnected), not waited on.
    let seen = 0;
    let progressAt = Date.now();
    const delivered = (): number => sockets.reduce((sum, s) => sum + s.count(), 0);
    let count = delivered();
    let disconnected = 0;
    while (count < total) {
      disconnected = sockets.filter((s) => s.closed()).length;
      if (disconnected > 0) break;
      if (count !== seen) [seen, progressAt] = [count, Date.now()];
      if (Date.now() - progressAt > STALL_MS) break;
      await new Promise((resolve) => setTimeout(resolve, 2));
      count = delivered();
    }
    if (disconnected > 0) {
      process.stderr.write(
        `  ${label}${feed} ${records} records/frame, ${clients} client(s): ${disconnected} client(s) DISCONNECTED by the proxy (a resync) at ${fmt(count)} of ${fmt(total)}; the bench fails\n`,
      );
      failed++;
    }
    if (count < total) {
      if (disconnected === 0) {
        const { stats } = await ask<Cpu>('cpu');
        process.stderr.write(
          `  ${label}${feed} ${records} records/frame, ${clients} client(s): STALLED at ${fmt(count)} of ${fmt(total)} (clients dropped as slow: ${stats.droppedClients}); run left out\n`,
        );
        stalled++;
      }
      for (const { socket } of sockets) socket.destroy();
      while ((await ask<Cpu>('cpu')).stats.connections > 0)
        await new Promise((resolve) => setTimeout(resolve, 20));
      continue;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = (await ask<Cpu>('cpu')).cpu - cpuBefore;
    process.stderr.write(
      `  ${label}${feed} ${records} records/frame, ${clients} client(s): ${fmt(total / seconds)} events/s, ${fmt((cpu / total) * 100_000, 3)} s CPU/100k\n`,
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
  return rates.length === 0
    ? { rate: Number.NaN, cpuPer100k: Number.NaN }
    : { rate: median(rates), cpuPer100k: median(cpus) };
}

const rows: string[][] = [
  [
    'clients',
    'proxy',
    'feed',
    'records/frame',
    'events delivered/s',
    'x baseline',
    'proxy CPU s / 100k',
    'x baseline',
  ],
];
const feedNames: Record<Feed, string> = {
  pubsub: 'pub/sub',
  stream: 'stream, 1 change/entry',
  'stream-burst': 'stream, 1000 changes/entry',
};
const proxies: [string, string | undefined][] = [
  ...(BEFORE === undefined
    ? []
    : ([['before', join(BEFORE, 'bench/jfs/proxy-child.ts')]] as [string, string][])),
  ['now', undefined],
];
// BENCH_CLIENTS: the client counts to run (default `1,100`).
for (const clients of (process.env['BENCH_CLIENTS'] ?? '1,100').split(',').map(Number)) {
  const events = clients === 1 ? 100_000 : 10_000;
  const configs: [Feed, number][] = [
    ['pubsub', 1],
    ['pubsub', 128],
    ['stream', 128],
    ['stream-burst', 128],
  ];
  let baseline: { rate: number; cpuPer100k: number } | undefined;
  for (const [feed, records] of configs) {
    for (const [proxy, child] of proxies) {
      // The proxy before read one change per entry only.
      if (proxy === 'before' && feed === 'stream-burst') continue;
      const result = await measure(
        feed,
        records,
        clients,
        events,
        child,
        proxy === 'now' ? '' : `${proxy}: `,
      );
      baseline ??= result;
      rows.push([
        String(clients),
        proxy,
        feedNames[feed],
        String(records),
        fmt(result.rate),
        fmt(result.rate / baseline.rate, 2),
        fmt(result.cpuPer100k, 3),
        fmt(result.cpuPer100k / baseline.cpuPer100k, 2),
      ]);
    }
  }
}
console.log(
  `\nJFS chain: Redis -> proxy -> raw clients (100,000 events to 1 client, 10,000 to each of 100), median of ${RUNS} runs; baseline: the first row of each client count (pub/sub, one record per frame${BEFORE === undefined ? '' : ', the proxy before'})\n`,
);
printTable(rows);
console.log('\nGoal (1 client): >= 200,000 events/s, <= 0.4 s proxy CPU per 100,000 deliveries.');
if (stalled > 0) console.log(`${stalled} run(s) stalled and were left out (see above).`);
if (failed > 0) {
  console.log(`FAILED: the proxy disconnected clients in ${failed} run(s) (see above).`);
  process.exitCode = 1;
}
raw.destroy();
await stopRedis(redis);
