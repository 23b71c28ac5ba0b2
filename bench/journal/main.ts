// Intake with a journal. `npm run bench -- journal` prints the table.
//
// 500,000 docker-shaped events arrive in chunks of 1,000 per macrotask (as from sockets) into an
// EventQueue (flushInterval 100 ms, onFlush counts) (a) without a journal: the same-run baseline,
// (b) with the SQLite journal, sync 'full' (one fsync per commit: per intake turn and per batch),
// (c) with the SQLite journal, sync 'normal'. A run ends when drain() resolved: every event
// handled AND acknowledged in the journal. Variants interleaved, 5 runs, medians.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Action, createEvent, type Event, EventQueue, EventType } from '../../lib/index.ts';
import { SqliteJournal } from '../../lib/journal/sqlite-journal.ts';
import type { SqliteSync } from '../../lib/journal/sqlite-journal-options.ts';
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

const variants: [string, SqliteSync | null][] = [
  ['(a) no journal (baseline)', null],
  ["(b) SQLite journal, sync 'full'", 'full'],
  ["(c) SQLite journal, sync 'normal'", 'normal'],
];
const rates = new Map<string, number[]>(variants.map(([name]) => [name, []]));
try {
  for (let r = 0; r < RUNS; r++) {
    for (const [name, sync] of variants) rates.get(name)?.push(await run(sync, r));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const base = rates.get(variants[0]?.[0] ?? '') ?? [];
console.log(
  `\nJournal intake: ${fmt(TOTAL)} events in chunks of ${fmt(CHUNK)} per macrotask, handled and acknowledged, median of ${RUNS} runs\n`,
);
printTable([
  ['variant', 'events/s (median)', 'min', 'max', 'x (a), median of per-run ratios'],
  ...variants.map(([name]) => {
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
