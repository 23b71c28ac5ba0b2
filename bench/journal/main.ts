// Intake with a journal. `npm run bench -- journal` prints the table.
//
// 500,000 docker-shaped events arrive in chunks of 1,000 per macrotask (as from sockets) into an
// EventQueue (flushInterval 100 ms, onFlush counts) (a) without a journal: the same-run baseline,
// (b) with the SQLite journal, sync 'full' (one fsync per commit: per intake turn and per batch),
// (c) with the SQLite journal, sync 'normal', (d) with the Redis journal (a private redis-server,
// no persistence, on this machine), one process producing and consuming in one group, its 16
// partitions (the default) all read by that consumer, with the default readCount (16 entries per
// read and partition, the next read once they are acknowledged) and (e) with readCount 1,000 (a
// consumer tuned for throughput rather than fine sharing) and (f) one partition (the layout before
// partitions: the same-run baseline of what partitioning costs). A run ends when
// drain() resolved: every event handled AND acknowledged in the journal (for Redis: handled, and
// the group's pending list empty). For (d), (e) and (f) also intake alone: from the first push until
// the last commit returned (every event in the stream; the consumer runs meanwhile in the same
// process). Variants interleaved, 5 runs, medians.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Action, createEvent, type Event, EventQueue, EventType } from '../../lib/index.ts';
import { RedisJournal } from '../../lib/journal/redis-journal.ts';
import { SqliteJournal } from '../../lib/journal/sqlite-journal.ts';
import type { SqliteSync } from '../../lib/journal/sqlite-journal-options.ts';
import { startRedis, stopRedis } from '../../spec/support/redis-server.ts';
import { fmt, median, nextMacrotask, printTable } from '../support.ts';

const TOTAL = 500_000;
const CHUNK = 1_000;
const RUNS = 5;

const pool: Event[] = Array.from({ length: 10_000 }, (_, i) =>
  createEvent({
    type: EventType.Docker,
    actorName: `service-${i % 1000}`,
    actorId: `${(i % 1000).toString(16).padStart(12, '0')}${'a'.repeat(52)}`,
    actorAttributes: {
      image: 'registry.local/app:1.2.3',
      name: `service-${i % 1000}`,
      'com.docker.compose.project': 'stack',
      'proxy.port': String(8000 + (i % 1000)),
    },
    action: Action.ContainerStart,
    time: 1_700_000_000_000 + i,
  }),
);

const dir = mkdtempSync(join(tmpdir(), 'batchwatch-bench-journal-'));
const redisServer = await startRedis();
const redis = new Redis({ host: '127.0.0.1', port: redisServer.port });

/** Intake alone in the Redis runs (pushed and committed to the stream), by variant. */
const intakeRates = new Map<string, number[]>();

/** A Redis journal run: intake appends, the same process consumes in its group; drained = all acknowledged. */
async function runRedis(
  name: string,
  readCount: number,
  partitions: number,
  index: number,
): Promise<number> {
  const stream = `bench-${readCount}-${partitions}-${index}`;
  const journal = await RedisJournal.open({
    redis: `redis://127.0.0.1:${redisServer.port}`,
    stream,
    group: 'bench',
    readCount,
    partitions,
    // The producer here outruns Redis on purpose: the whole run may wait in memory.
    maxPending: TOTAL,
  });
  let seen = 0;
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => {
    done = resolve;
  });
  const queue = new EventQueue({
    flushInterval: 100,
    capacity: Number.POSITIVE_INFINITY,
    journal,
    onFlush: (batch) => {
      seen += batch.length;
      if (seen >= TOTAL) done();
    },
    onError: (error) => {
      // A refused or failed journal operation would leave the run waiting for ever: fail loudly.
      console.error(error);
      process.exit(1);
    },
  });
  const start = process.hrtime.bigint();
  for (let sent = 0; sent < TOTAL; sent += CHUNK) {
    for (let i = 0; i < CHUNK; i++) queue.push(pool[(sent + i) % pool.length] as Event);
    await nextMacrotask();
  }
  // Intake: everything pushed is in the stream once this commit (the last, in order) returned.
  await journal.commit();
  const intake = intakeRates.get(name) ?? [];
  intake.push(TOTAL / (Number(process.hrtime.bigint() - start) / 1e9));
  intakeRates.set(name, intake);
  await all;
  for (;;) {
    let pending = 0;
    for (const key of journal.streams) {
      pending += Number(((await redis.xpending(key, 'bench')) as unknown[])[0]);
    }
    if (pending === 0) break;
    await nextMacrotask();
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (seen !== TOTAL) throw new Error(`handled ${seen} of ${TOTAL}`);
  await queue.drain();
  await journal.close();
  const keys = await redis.keys(`${stream}*`);
  if (keys.length > 0) await redis.del(...keys);
  return TOTAL / seconds;
}

async function run(sync: SqliteSync | null, index: number): Promise<number> {
  const journal =
    sync === null
      ? null
      : new SqliteJournal({ path: join(dir, `j-${sync}-${index}.sqlite`), sync });
  let seen = 0;
  const queue = new EventQueue({
    flushInterval: 100,
    capacity: Number.POSITIVE_INFINITY,
    ...(journal === null ? {} : { journal }),
    onFlush: (batch) => {
      seen += batch.length;
    },
  });
  const start = process.hrtime.bigint();
  for (let sent = 0; sent < TOTAL; sent += CHUNK) {
    for (let i = 0; i < CHUNK; i++) queue.push(pool[(sent + i) % pool.length] as Event);
    await nextMacrotask();
  }
  await queue.drain();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (seen !== TOTAL) throw new Error(`handled ${seen} of ${TOTAL}`);
  if (journal !== null) {
    if (journal.pendingCount() !== 0) throw new Error('the journal still holds records');
    await journal.close();
  }
  return TOTAL / seconds;
}

const variants: [string, (index: number) => Promise<number>][] = [
  ['(a) no journal (baseline)', (i) => run(null, i)],
  ["(b) SQLite journal, sync 'full'", (i) => run('full' as SqliteSync, i)],
  ["(c) SQLite journal, sync 'normal'", (i) => run('normal' as SqliteSync, i)],
  ['(d) Redis journal, 16 partitions, readCount 16 (defaults)', (i) => runRedis('(d)', 16, 16, i)],
  ['(e) Redis journal, 16 partitions, readCount 1,000', (i) => runRedis('(e)', 1_000, 16, i)],
  ['(f) Redis journal, 1 partition, readCount 16', (i) => runRedis('(f)', 16, 1, i)],
];
const rates = new Map<string, number[]>(variants.map(([name]) => [name, []]));
try {
  for (let r = 0; r < RUNS; r++) {
    for (const [name, variant] of variants) rates.get(name)?.push(await variant(r));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  await redis.quit();
  await stopRedis(redisServer);
}
const base = rates.get(variants[0]?.[0] ?? '') ?? [];
console.log(
  `\nJournal intake: ${fmt(TOTAL)} events in chunks of ${fmt(CHUNK)} per macrotask, handled and acknowledged, median of ${RUNS} runs\n`,
);
const intakeRows = ['(d)', '(e)', '(f)'].map((name) => {
  const row = `${name} intake only (pushed, committed to the stream)`;
  rates.set(row, intakeRates.get(name) ?? []);
  return row;
});
const rows = [...variants.map(([name]) => name), ...intakeRows];
printTable([
  ['variant', 'events/s (median)', 'min', 'max', 'x (a), median of per-run ratios'],
  ...rows.map((name) => {
    const values = rates.get(name) ?? [];
    return [
      name,
      fmt(median(values)),
      fmt(Math.min(...values)),
      fmt(Math.max(...values)),
      fmt(median(values.map((value, i) => value / (base[i] ?? Number.NaN))), 2),
    ];
  }),
]);
