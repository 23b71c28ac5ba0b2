// JFS end to end: events published to Redis reach clients as Events, through a JfsProxy.
// `npx node --expose-gc bench/jfs/end-to-end.ts` starts a private redis-server (as the tests do),
// the proxy in a child process, and JFS clients (jfsSource) in this one. Prints events/s from
// publish to the last client Event with 1 and with 100 clients (median of 5 runs), and the proxy's
// memory per idle connection (1,000 connections). Goals: >= 100,000 events/s to one client;
// < 50 KB per idle connection.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import type { Event } from '../../lib/events/event.ts';
import { jfsSource } from '../../lib/sources/jfs/jfs-source.ts';
import { JfsWatcher } from '../../lib/sources/jfs/jfs-watcher.ts';
import { startRedis, stopRedis } from '../../spec/support/redis-server.ts';
import { fmt, median, printTable } from '../support.ts';

const EVENTS = 100_000;
const PER_MESSAGE = 1_000;
const RUNS = 5;
const IDLE = 1_000;
const channel = 'jfsnotify-bench';
const pod = { namespace: 'default', pod: 'bench', container: 'app', env: {} } as const;

const redis = await startRedis();
const child = fork(
  fileURLToPath(new URL('proxy-child.ts', import.meta.url)),
  [String(redis.port), channel],
  {
    execArgv: ['--expose-gc'],
  },
);
const ask = <T>(message: string): Promise<T> =>
  new Promise((resolve) => {
    child.once('message', (reply) => resolve(reply as T));
    child.send(message);
  });
const { address } = await new Promise<{ address: string }>((resolve) =>
  child.once('message', (m) => resolve(m as { address: string })),
);
const publisher = new Redis({ port: redis.port, lazyConnect: true });
await publisher.connect();

/** Publishes EVENTS creates under /node/data and times their arrival at every client. */
async function run(clients: number): Promise<number> {
  const received = new Array<number>(clients).fill(0);
  const sources = Array.from({ length: clients }, (_, i) => {
    const source = jfsSource({ ...pod, name: `c${i}`, server: address, paths: ['/data'] });
    const subscription = source.subscribe((_event: Event) => {
      received[i] = (received[i] ?? 0) + 1;
    });
    return { source, subscription };
  });
  await Promise.all(sources.map(({ source }) => source.ready()));
  await new Promise((resolve) => setTimeout(resolve, 100)); // the WATCH frames reach the proxy
  const total = EVENTS * clients;
  const started = process.hrtime.bigint();
  for (let offset = 0; offset < EVENTS; offset += PER_MESSAGE) {
    const message = Array.from({ length: PER_MESSAGE }, (_, i) => ({
      Name: `/node/data/f${offset + i}`,
      Op: 1,
      Key: '/node/data',
    }));
    await publisher.publish(channel, JSON.stringify(message));
  }
  while (received.reduce((sum, n) => sum + n, 0) < total)
    await new Promise((resolve) => setTimeout(resolve, 5));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  for (const { subscription } of sources) subscription.unsubscribe();
  await new Promise((resolve) => setTimeout(resolve, 100));
  return total / seconds;
}

const rows: string[][] = [['clients', 'events delivered/s (median)', 'min', 'max', 'goal']];
for (const clients of [1, 100]) {
  const rates: number[] = [];
  for (let i = 0; i < RUNS; i++) rates.push(await run(clients));
  rows.push([
    String(clients),
    fmt(median(rates)),
    fmt(Math.min(...rates)),
    fmt(Math.max(...rates)),
    clients === 1 ? '>= 100,000' : '',
  ]);
}
console.log(
  `\nJFS end to end: ${fmt(EVENTS)} creates published to Redis in messages of ${fmt(PER_MESSAGE)}, until every client has every Event\n`,
);
printTable(rows);

type Usage = { memory: NodeJS.MemoryUsage; stats: { connections: number } };
const before = await ask<Usage>('memory');
const idle = Array.from(
  { length: IDLE },
  (_, i) => new JfsWatcher({ ...pod, name: `idle${i}`, server: address, paths: ['/data'] }),
);
while ((await ask<Usage>('memory')).stats.connections < IDLE)
  await new Promise((resolve) => setTimeout(resolve, 50));
await new Promise((resolve) => setTimeout(resolve, 300));
const after = await ask<Usage>('memory');
const perConnection = (key: 'heapUsed' | 'external') =>
  (after.memory[key] - before.memory[key]) / IDLE / 1024;
console.log(
  `\nProxy memory per idle connection (${fmt(IDLE)} connections, each watching one path; goal < 50 KB)\n`,
);
printTable([
  ['measure', 'KB per connection'],
  ['heap used', fmt(perConnection('heapUsed'), 1)],
  ['heap + external (buffers)', fmt(perConnection('heapUsed') + perConnection('external'), 1)],
]);
await Promise.all(idle.map((watcher) => watcher.close()));
await ask<unknown>('close').catch(() => {});
publisher.disconnect();
await stopRedis(redis);
