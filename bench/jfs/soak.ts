// A steady churn through the whole JFS chain: the real `batchwatch daemon` and `batchwatch proxy`
// programs on a private redis-server, raw clients in this process, `--rate` creates and `--rate`
// removes a second in ONE directory (about 500 entries at a time) for `--duration` seconds.
// Counted: changes a client silently lost (neither delivered nor followed by a disconnect, the
// protocol's resync), clients dropped (disconnected), resyncs the proxy logged; sampled every
// minute: the daemon's and the proxy's RSS. Then a burst: `--burst` files created at once in a
// directory the daemon watches, timed from the first creation to the last change in Redis (the
// daemon's throughput from inotify to Redis).
//
//   npm run bench -- jfs-soak --duration 600 --rate 1000 --clients 100 --burst 10000
//
// Targets (issue 20): nothing lost, no client dropped, RSS growth under 5 MB a minute after the
// first minute, burst >= 20,000 changes/s. On a shared machine, say what else was running.
// The files are made on a tmpfs (/dev/shm) when there is one: on this machine's ext4, creating
// 10,000 files alone takes 1.7-6 s of kernel time, which would measure the disk, not the chain.
// Every child (redis-server, daemon, proxy) is killed and the files removed on every way out:
// the end, an error, a timeout, SIGINT or SIGTERM (see kill-on-exit.ts).
import { type ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { Redis } from 'ioredis';
import { encodeMessage } from '../../lib/jfs-protocol/encode-message.ts';
import { EVENT_RECORD_SIZE, FIELD_SIZE } from '../../lib/jfs-protocol/field.ts';
import { MessageType } from '../../lib/jfs-protocol/message-type.ts';
import { Op } from '../../lib/jfs-protocol/op.ts';
import { freePort, startRedis, stopRedis } from '../../spec/support/redis-server.ts';
import { fmt, printTable, until as untilEvery } from '../support.ts';
import { killOnExit } from './kill-on-exit.ts';
import { writerOutbox } from './writer-outbox.ts';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '600' },
    rate: { type: 'string', default: '1000' },
    clients: { type: 'string', default: '100' },
    burst: { type: 'string', default: '10000' },
  },
});
const DURATION_S = Number(args.duration);
const RATE = Number(args.rate);
const CLIENTS = Number(args.clients);
const BURST = Number(args.burst);
/** Entries the directory keeps: each file is removed this many creations later. */
const KEEP = 500;
const bin = fileURLToPath(new URL('../../lib/cli/bin.ts', import.meta.url));

const guard = killOnExit();
const redis = await startRedis();
guard.pid(redis.pid);
guard.dir(redis.dir);
const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
const root = mkdtempSync(join(base, 'bw-soak-'));
guard.dir(root);
const node = join(root, 'node');
const burstDir = join(root, 'burst');
mkdirSync(node);
mkdirSync(burstDir);
const mounts = join(root, 'mounts.json');
writeFileSync(
  mounts,
  JSON.stringify([
    {
      namespace: 'default',
      pod: 'soak',
      container: 'app',
      mounts: [{ mountPath: '/data', hostPath: node }],
    },
  ]),
);

/** A program of the chain; its stderr is kept for the counters it prints when stopped. */
function program(args: readonly string[]): { child: ChildProcess; stderr: () => string } {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  guard.child(child);
  let text = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
  });
  return { child, stderr: () => text };
}

/** Polls every 50 ms: the soak's checks read Redis and many clients. */
const until = (what: string, check: () => boolean | Promise<boolean>, ms = 30_000) =>
  untilEvery(what, check, ms, 50);

async function rssMb(pid: number | undefined): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

const redisAddr = `127.0.0.1:${redis.port}`;
const daemon = program(['daemon', '--redis', redisAddr, burstDir]);
await until('the daemon', () => daemon.stderr().includes('watching'));
const port = await freePort();
const proxy = program([
  'proxy',
  '--mounts',
  mounts,
  '--listen',
  `127.0.0.1:${port}`,
  '--redis',
  redisAddr,
]);
await until('the proxy', () => proxy.stderr().includes('redis ready'));

/** One raw client: decodes EVENT records straight from the bytes, marks what it got per file index. */
interface SoakClient {
  created: Uint8Array;
  removed: Uint8Array;
  /** When the WATCH of the current connection was sent; disconnections so far. */
  watchedAt: number;
  disconnects: number;
  records: number;
  socket: Socket | null;
}

const capacity = Math.ceil(RATE * DURATION_S * 1.2) + KEEP * 2;
let stopping = false;

function soakClient(id: number): SoakClient {
  const client: SoakClient = {
    created: new Uint8Array(capacity),
    removed: new Uint8Array(capacity),
    watchedAt: -1,
    disconnects: 0,
    records: 0,
    socket: null,
  };
  const connect = (): void => {
    if (stopping) return;
    const socket = createConnection({ host: '127.0.0.1', port });
    client.socket = socket;
    let pending: Buffer = Buffer.alloc(0);
    socket.on('connect', () => {
      const channelId = `default/soak/app/c${id}`;
      socket.write(encodeMessage({ type: MessageType.Clear, channelId }));
      socket.write(encodeMessage({ type: MessageType.Watch, channelId, paths: ['/data'] }));
      client.watchedAt = Date.now();
    });
    socket.on('data', (chunk: Buffer) => {
      const data = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let offset = 0;
      while (data.length - offset >= 4) {
        const length = data.readUInt32BE(offset);
        if (data.length - offset - 4 < length) break;
        if (data.readUInt32BE(offset + 4) === MessageType.Event) {
          for (
            let at = offset + 8;
            at + EVENT_RECORD_SIZE <= offset + 4 + length;
            at += EVENT_RECORD_SIZE
          ) {
            // Names are /data/s<index>: the digits from byte 7 to the padding.
            let index = 0;
            for (let i = at + 7; i < at + FIELD_SIZE && (data[i] as number) !== 0; i++) {
              index = index * 10 + ((data[i] as number) - 48);
            }
            const op = data.readUInt32BE(at + FIELD_SIZE);
            if (index < capacity) {
              if (op & Op.Create) client.created[index] = 1;
              if (op & Op.Remove) client.removed[index] = 1;
            }
            client.records++;
          }
        }
        offset += 4 + length;
      }
      pending = offset === data.length ? Buffer.alloc(0) : data.subarray(offset);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      if (stopping) return;
      client.disconnects++;
      client.watchedAt = -1;
      setTimeout(connect, 50);
    });
  };
  connect();
  return client;
}

// --- Burst: the daemon alone, from file creation to Redis. ---
const reader = new Redis({ port: redis.port, lazyConnect: true });
await reader.connect();
const streamKey = 'jfsnotify:stream';
/** Changes under `prefix` after `after`: how many, the last entry read, the last one holding one. */
async function changesIn(
  prefix: string,
  after: string,
): Promise<{ count: number; last: string; match: string | null }> {
  let count = 0;
  let last = after;
  let match: string | null = null;
  for (;;) {
    const entries = await reader.xrange(streamKey, `(${last}`, '+', 'COUNT', 1000);
    if (entries.length === 0) return { count, last, match };
    for (const [id, fields] of entries) {
      last = id;
      if (fields[0] === 'Name' && (fields[1] as string).startsWith(prefix)) {
        count++;
        match = id;
      } else if (fields[0] === 'Events') {
        for (const event of JSON.parse(fields[1] as string) as { Name: string }[]) {
          if (event.Name.startsWith(prefix)) {
            count++;
            match = id;
          }
        }
      }
    }
  }
}
const streamStart = (await reader.xrevrange(streamKey, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
const burstStart = performance.now();
const burstStartMs = Date.now();
/** The id of the entry holding the last burst change: its first part is when Redis appended it. */
let burstLastId = streamStart;
for (let i = 0; i < BURST; i++) closeSync(openSync(join(burstDir, `b${i}`), 'w'));
const burstCreated = performance.now();
let burstSeen = 0;
let burstCursor = streamStart;
await until(
  `${fmt(BURST)} burst changes in Redis`,
  async () => {
    const { count, last, match } = await changesIn(burstDir, burstCursor);
    burstLastId = match ?? burstLastId;
    burstSeen += count;
    burstCursor = last;
    return burstSeen >= BURST;
  },
  60_000,
).catch((err: Error) => console.error(err.message));
// From the first creation to the time Redis appended the last change (no polling in the measure).
const burstDone = burstStart + (Number(burstLastId.split('-')[0]) - burstStartMs);
rmSync(burstDir, { recursive: true, force: true });

// The daemon's writing side alone (ChangeOutbox + RedisChangeFeed, as the daemon runs them) on a
// stream of its own: changes pushed in turns of 1,000, timed until Redis accepted the last.
const { outbox, close: closeWriter } = await writerOutbox(redis.port, 'soak-writer');
const WRITER_CHANGES = 200_000;
const writerStart = performance.now();
for (let i = 0; i < WRITER_CHANGES; i++) {
  outbox.push({ name: `${burstDir}/w${i}`, op: Op.Create, key: burstDir });
  if (i % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
}
await until('the writer', () => outbox.counters.published >= WRITER_CHANGES, 120_000);
const writerMs = performance.now() - writerStart;
await closeWriter();

// --- Soak. ---
const clients = Array.from({ length: CLIENTS }, (_, i) => soakClient(i));
await until('every client watching', () => clients.every((c) => c.watchedAt > 0), 30_000);
// What reached Redis, read from the stream as it grows: a loss is the daemon's (never in Redis)
// or the proxy's (in Redis, not delivered to a client that was watching).
const observer = new Redis({ port: redis.port, lazyConnect: true });
await observer.connect();
const inRedis = { created: new Uint8Array(capacity), removed: new Uint8Array(capacity) };
let observing = true;
let observerLost = false;
const mark = (name: string, op: number): void => {
  if (!name.startsWith(`${node}/s`)) return;
  const index = Number(name.slice(node.length + 2));
  if (!(index < capacity)) return;
  if (op & Op.Create) inRedis.created[index] = 1;
  if (op & Op.Remove) inRedis.removed[index] = 1;
};
const observed = (async () => {
  let cursor = (await observer.xrevrange(streamKey, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
  while (observing) {
    // The observer itself must not fall behind the stream's trimming, or it would blame the daemon.
    if (cursor !== '0-0' && (await observer.xrange(streamKey, cursor, cursor)).length === 0) {
      observerLost = true;
    }
    const reply = (await observer.xread(
      'COUNT',
      100,
      'BLOCK',
      500,
      'STREAMS',
      streamKey,
      cursor,
    )) as [string, [string, string[]][]][] | null;
    for (const [id, fields] of reply?.[0]?.[1] ?? []) {
      cursor = id;
      if (fields[0] === 'Name') mark(fields[1] as string, Number(fields[3]));
      else if (fields[0] === 'Events') {
        for (const event of JSON.parse(fields[1] as string) as { Name: string; Op: number }[]) {
          mark(event.Name, event.Op);
        }
      }
    }
  }
})();

// The time each change was made (by the churn thread): created[i] and removed[i] in ms.
const createdBuffer = new SharedArrayBuffer(capacity * 8);
const removedBuffer = new SharedArrayBuffer(capacity * 8);
const progress = new Int32Array(new SharedArrayBuffer(12));
const createdAt = new Float64Array(createdBuffer);
const removedAt = new Float64Array(removedBuffer);
const started = Date.now();
const churn = new Worker(fileURLToPath(new URL('./soak-writer.ts', import.meta.url)), {
  workerData: {
    dir: node,
    rate: RATE,
    keep: KEEP,
    durationMs: DURATION_S * 1000,
    createdAt: createdBuffer,
    removedAt: removedBuffer,
    progress: progress.buffer,
  },
});
const churned = new Promise((resolve, reject) => {
  churn.once('exit', resolve);
  churn.once('error', reject);
});
const samples: string[][] = [
  ['minute', 'daemon RSS (MB)', 'proxy RSS (MB)', 'changes made', 'records delivered'],
];
const sample = async (label: string): Promise<[number, number]> => {
  const d = await rssMb(daemon.child.pid);
  const p = await rssMb(proxy.child.pid);
  const delivered = clients.reduce((sum, c) => sum + c.records, 0);
  samples.push([label, fmt(d, 1), fmt(p, 1), fmt(Atomics.load(progress, 0) * 2), fmt(delivered)]);
  console.log(samples.at(-1)?.join('  '));
  return [d, p];
};
const rss: [number, number][] = [await sample('0')];
let minute = 1;
while (Atomics.load(progress, 2) === 0) {
  if (Date.now() - started >= minute * 60_000) {
    rss.push(await sample(String(minute)));
    minute++;
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
}
await churned;
const next = Atomics.load(progress, 0);
const lag = Atomics.load(progress, 1);
const madeUntil = Date.now();
rss.push(await sample(`end (${fmt((madeUntil - started) / 60_000, 1)})`));
// Drain: until no client receives anything more for 5 s (or 120 s in all).
let lastRecords = -1;
let quietSince = Date.now();
const drainDeadline = Date.now() + 120_000;
while (Date.now() < drainDeadline && Date.now() - quietSince < 5000) {
  const records = clients.reduce((sum, c) => sum + c.records, 0);
  if (records !== lastRecords) {
    lastRecords = records;
    quietSince = Date.now();
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
}

observing = false;
await observed;
observer.disconnect();
let neverInRedis = 0;
for (let i = 0; i < next; i++) {
  if (inRedis.created[i] === 0) neverInRedis++;
  if ((removedAt[i] as number) > 0 && inRedis.removed[i] === 0) neverInRedis++;
}
/** Changes in Redis that a client watching at the time did not get. */
let proxyLost = 0;

/** Where the losses are: creates and removes, and in which tenth of the run. */
const lostCreates = new Array<number>(10).fill(0);
const lostRemoves = new Array<number>(10).fill(0);
const tenth = (time: number): number =>
  Math.min(9, Math.floor(((time - started) * 10) / Math.max(1, madeUntil - started)));
/** Changes `client` lost silently: not delivered, made after the WATCH of its last connection. */
function lost(client: SoakClient): number {
  if (client.watchedAt < 0) return 0;
  let count = 0;
  for (let i = 0; i < next; i++) {
    const created = createdAt[i] as number;
    if (created > client.watchedAt && client.created[i] === 0) {
      count++;
      if (inRedis.created[i] === 1) proxyLost++;
      lostCreates[tenth(created)] = (lostCreates[tenth(created)] as number) + 1;
    }
    const removed = removedAt[i] as number;
    if (removed > 0 && removed > client.watchedAt && client.removed[i] === 0) {
      count++;
      if (inRedis.removed[i] === 1) proxyLost++;
      lostRemoves[tenth(removed)] = (lostRemoves[tenth(removed)] as number) + 1;
    }
  }
  return count;
}
const lostPerClient = clients.map(lost);
stopping = true;
for (const client of clients) client.socket?.destroy();
const stop = async (part: { child: ChildProcess }): Promise<void> => {
  const exited = new Promise((resolve) => part.child.once('close', resolve));
  part.child.kill('SIGTERM');
  await exited;
};
await stop(proxy);
await stop(daemon);
reader.disconnect();
const proxyResyncs = proxy.stderr().match(/warning: resync \([^)]+\)/g) ?? [];
const daemonWarnings = daemon.stderr().match(/warning: .*/g) ?? [];
const growth = (which: 0 | 1): string => {
  // After the first minute: MB a minute from the minute-1 sample to the last one.
  if (rss.length < 3) return 'n/a (under 2 samples after minute 1)';
  const first = rss[1] as [number, number];
  const last = rss.at(-1) as [number, number];
  const minutes = (madeUntil - started) / 60_000 - 1;
  return `${fmt((last[which] - first[which]) / Math.max(minutes, 1e-9), 1)} MB/min`;
};

console.log(
  `\nSoak: ${fmt(RATE)} creates + ${fmt(RATE)} removes a second in one directory (in ${base}), ${CLIENTS} clients, ${fmt((madeUntil - started) / 1000)} s\n`,
);
printTable(samples);
console.log('');
printTable([
  ['measure', 'value'],
  ['changes made (creates + removes)', fmt(next + Math.max(0, next - KEEP))],
  ['most changes the writer was behind', fmt(lag)],
  ['changes lost silently (all clients)', fmt(lostPerClient.reduce((a, b) => a + b, 0))],
  ['clients with a silent loss', fmt(lostPerClient.filter((n) => n > 0).length)],
  [
    '  changes that never reached Redis (the daemon)',
    observerLost
      ? `${fmt(neverInRedis)} (at most: the observer fell behind the trimming)`
      : fmt(neverInRedis),
  ],
  ['  in Redis, not delivered (the proxy), all clients', fmt(proxyLost)],
  ['lost creates, by tenth of the run', lostCreates.map((n) => fmt(n)).join(' ')],
  ['lost removes, by tenth of the run', lostRemoves.map((n) => fmt(n)).join(' ')],
  [
    'client disconnections (dropped or resynced)',
    fmt(clients.reduce((a, c) => a + c.disconnects, 0)),
  ],
  [
    'resyncs in the proxy log',
    proxyResyncs.length === 0 ? '0' : [...new Set(proxyResyncs)].join(', '),
  ],
  ['daemon warnings', fmt(daemonWarnings.length)],
  ['daemon RSS growth after minute 1', growth(0)],
  ['proxy RSS growth after minute 1', growth(1)],
  [
    `burst: ${fmt(BURST)} files created in`,
    `${fmt(burstCreated - burstStart)} ms (${fmt((BURST / (burstCreated - burstStart)) * 1000)}/s)`,
  ],
  [
    'burst: creation to the last change in Redis',
    `${fmt(burstDone - burstStart)} ms: ${fmt((burstSeen / (burstDone - burstStart)) * 1000)} changes/s (${fmt(burstSeen)} seen)`,
  ],
  [
    `the daemon's writer alone: ${fmt(WRITER_CHANGES)} changes to Redis`,
    `${fmt(writerMs)} ms: ${fmt((WRITER_CHANGES / writerMs) * 1000)} changes/s`,
  ],
]);
console.log(
  `\n${proxy
    .stderr()
    .split('\n')
    .filter((l) => l.includes('connection(s)'))
    .join('\n')}`,
);
console.log(
  daemon
    .stderr()
    .split('\n')
    .filter((l) => l.includes('change(s) seen'))
    .join('\n'),
);
if (daemonWarnings.length > 0) console.log([...new Set(daemonWarnings)].slice(0, 10).join('\n'));
const proxyWarnings = proxy.stderr().match(/warning: .*/g) ?? [];
if (proxyWarnings.length > 0) console.log([...new Set(proxyWarnings)].slice(0, 10).join('\n'));
await stopRedis(redis);
rmSync(root, { recursive: true, force: true });
guard.done();
