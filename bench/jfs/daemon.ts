// The real `batchwatch daemon` program on a private redis-server, measured from the files to the
// stream (issues 20 and 26):
// - burst: `--burst` empty files created at once in a directory the daemon watches, from the first
//   creation to the moment Redis appended the last of them (the entry id's time: no polling in
//   the measure), as changes/s; baselines from the same run: how fast this process creates the
//   files (the ceiling), and the daemon's writing side alone (ChangeOutbox + RedisChangeFeed);
// - at rest: `--rest` files created evenly at `--rate` a second, the daemon's CPU time (from
//   /proc) per change, next to its CPU over the same time with nothing changing (baseline), and
//   how many stream entries (each one write) they took and the latency from each file's creation
//   to its entry's id (Redis's clock; empty files are held 50 ms for their content).
// Medians of `--runs` runs. BENCH_BEFORE=<dir of an older checkout, with node_modules> adds the
// same rows for that checkout's daemon, its runs interleaved with this one's. The files are made on a tmpfs (/dev/shm) when there is one: on this
// machine's ext4 creating 10,000 files alone takes 1.7-6 s of kernel time, which would measure the
// disk, not the daemon (the table says where they were made).
//
//   npm run bench -- jfs-daemon [--burst 10000] [--rest 2000] [--rate 100] [--runs 3]
//
// Targets: burst >= 20,000 changes/s (issue 20); at most 0.25 ms of CPU per change at rest (26).
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { Op } from '../../lib/jfs-protocol/op.ts';
import { startRedis, stopRedis } from '../../spec/support/redis-server.ts';
import { fmt, median, percentile, printTable, until } from '../support.ts';
import { killOnExit } from './kill-on-exit.ts';
import { writerOutbox } from './writer-outbox.ts';

const { values: args } = parseArgs({
  options: {
    burst: { type: 'string', default: '10000' },
    rest: { type: 'string', default: '2000' },
    rate: { type: 'string', default: '100' },
    runs: { type: 'string', default: '3' },
  },
});
const BURST = Number(args.burst);
const REST = Number(args.rest);
const RATE = Number(args.rate);
const RUNS = Number(args.runs);
/** An older checkout (with node_modules) whose daemon is measured too, interleaved. */
const BEFORE = process.env['BENCH_BEFORE'];
const bin = fileURLToPath(new URL('../../lib/cli/bin.ts', import.meta.url));
const streamKey = 'jfsnotify:stream';

const guard = killOnExit();
const redis = await startRedis();
guard.pid(redis.pid);
guard.dir(redis.dir);
const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
const root = mkdtempSync(join(base, 'bw-daemon-bench-'));
guard.dir(root);

/** A daemon program to measure: this checkout's, and an older one's with BENCH_BEFORE. */
interface Variant {
  readonly label: string;
  readonly bin: string;
  readonly burstDir: string;
  readonly restDir: string;
  child?: ChildProcess;
}
const variants: Variant[] = [{ label: 'this tree', bin, burstDir: '', restDir: '' }];
if (BEFORE !== undefined) {
  variants.push({
    label: `BENCH_BEFORE`,
    bin: join(BEFORE, 'lib/cli/bin.ts'),
    burstDir: '',
    restDir: '',
  });
}
const made = variants.map((variant, i) => {
  const burstDir = join(root, `burst${i}`);
  const restDir = join(root, `rest${i}`);
  mkdirSync(burstDir);
  mkdirSync(restDir);
  return { ...variant, burstDir, restDir };
});

let reader: Redis | null = null;
try {
  for (const variant of made) {
    let stderr = '';
    const child = spawn(
      process.execPath,
      [
        variant.bin,
        'daemon',
        '--redis',
        `127.0.0.1:${redis.port}`,
        variant.burstDir,
        variant.restDir,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    guard.child(child);
    variant.child = child;
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    await until(`the daemon (${variant.label})`, () => stderr.includes('watching'), 30_000);
  }
  reader = new Redis({ port: redis.port, lazyConnect: true });
  await reader.connect();

  /** Reads the stream after `cursor`: changes under `prefix`, the last entry read, the last matching. */
  const changesIn = async (prefix: string, cursor: string) => {
    let count = 0;
    let last = cursor;
    let match: string | null = null;
    for (;;) {
      const entries = await (reader as Redis).xrange(streamKey, `(${last}`, '+', 'COUNT', 1000);
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
  };
  const lastId = async (): Promise<string> =>
    (await (reader as Redis).xrevrange(streamKey, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';

  /** Waits until `expected` changes under `prefix` are in the stream after `cursor`. */
  const awaitChanges = async (prefix: string, cursor: string, expected: number) => {
    let seen = 0;
    let after = cursor;
    let last = cursor;
    await until(
      `${fmt(expected)} changes in Redis`,
      async () => {
        const read = await changesIn(prefix, after);
        seen += read.count;
        after = read.last;
        last = read.match ?? last;
        return seen >= expected;
      },
      120_000,
    );
    return { last };
  };
  const entriesOf = async (prefix: string, from: string): Promise<number> =>
    (await (reader as Redis).xrange(streamKey, `(${from}`, '+')).filter(([, fields]) =>
      fields.some((field) => field.includes(prefix)),
    ).length;

  // --- Burst, the variants interleaved run by run. ---
  const burstRows = made.map(() => [] as { create: number; redis: number; entries: number }[]);
  for (let run = 0; run < RUNS; run++) {
    for (const [v, variant] of made.entries()) {
      const prefix = `${variant.burstDir}/r${run}-`;
      const cursor = await lastId();
      const start = Date.now();
      const t0 = performance.now();
      for (let i = 0; i < BURST; i++) closeSync(openSync(`${prefix}${i}`, 'w'));
      const createMs = performance.now() - t0;
      const { last } = await awaitChanges(prefix, cursor, BURST);
      // The entry id's first part is the time Redis appended it (ms, this machine's clock).
      const doneMs = Math.max(1, Number(last.split('-')[0]) - start);
      burstRows[v]?.push({
        create: createMs,
        redis: doneMs,
        entries: await entriesOf(prefix, cursor),
      });
      // Cleared for the next run; its removals reach Redis before the next run starts.
      const clearCursor = await lastId();
      rmSync(variant.burstDir, { recursive: true, force: true });
      mkdirSync(variant.burstDir);
      await awaitChanges(prefix, clearCursor, BURST).catch(() => undefined);
    }
  }

  // The daemon's writing side alone, in this process, on a stream of its own.
  const writerRates: number[] = [];
  const { outbox, close: closeWriter } = await writerOutbox(redis.port, 'bench-writer');
  for (let run = 0; run < RUNS; run++) {
    const before = outbox.counters.published;
    const t0 = performance.now();
    for (let i = 0; i < BURST; i++) {
      outbox.push({ name: `/bench/w${run}-${i}`, op: Op.Create, key: '/bench' });
    }
    await until('the writer', () => outbox.counters.published >= before + BURST, 60_000);
    writerRates.push((BURST / (performance.now() - t0)) * 1000);
  }
  await closeWriter();

  // --- At rest, the variants interleaved run by run. ---
  const restRows = made.map(
    () => [] as { idle: number; busy: number; entries: number; p50: number; p99: number }[],
  );
  /** File -> Redis latencies: the entry id's time (Redis's clock, this machine) minus the creation's. */
  const latencies = async (prefix: string, from: string, created: readonly number[]) => {
    const ms: number[] = [];
    for (const [id, fields] of await (reader as Redis).xrange(streamKey, `(${from}`, '+')) {
      const at = Number(id.split('-')[0]);
      const names =
        fields[0] === 'Name'
          ? [fields[1] as string]
          : fields[0] === 'Events'
            ? (JSON.parse(fields[1] as string) as { Name: string }[]).map((e) => e.Name)
            : [];
      for (const name of names) {
        if (!name.startsWith(prefix)) continue;
        const t = created[Number(name.slice(prefix.length))];
        if (t !== undefined) ms.push(at - t);
      }
    }
    return { p50: percentile(ms, 50), p99: percentile(ms, 99) };
  };
  const restMs = (REST / RATE) * 1000;
  for (let run = 0; run < RUNS; run++) {
    for (const [v, variant] of made.entries()) {
      const pid = variant.child?.pid as number;
      const idleFrom = await cpuMs(pid);
      await sleep(restMs);
      const idle = (await cpuMs(pid)) - idleFrom;
      const prefix = `${variant.restDir}/q${run}-`;
      const cursor = await lastId();
      const busyFrom = await cpuMs(pid);
      const t0 = performance.now();
      const created: number[] = [];
      for (let i = 0; i < REST; i++) {
        // Evenly spaced: file i at i / RATE seconds.
        const due = t0 + (i * 1000) / RATE;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        created.push(Date.now());
        closeSync(openSync(`${prefix}${i}`, 'w'));
      }
      await awaitChanges(prefix, cursor, REST);
      const busy = (await cpuMs(pid)) - busyFrom;
      restRows[v]?.push({
        idle,
        busy,
        entries: await entriesOf(prefix, cursor),
        ...(await latencies(prefix, cursor, created)),
      });
    }
  }

  console.log(
    `\nThe daemon program, files (in ${base}) to Redis, medians of ${RUNS} runs (machine shared)\n`,
  );
  const rows: string[][] = [['measure', 'median', 'runs']];
  for (const [v, variant] of made.entries()) {
    const burst = burstRows[v] ?? [];
    const rest = restRows[v] ?? [];
    const tag = made.length > 1 ? ` [${variant.label}]` : '';
    rows.push(
      [
        `burst: ${fmt(BURST)} empty files created (ceiling)${tag}`,
        `${fmt(median(burst.map((r) => (BURST / r.create) * 1000)))}/s`,
        burst.map((r) => `${fmt(r.create)} ms`).join(', '),
      ],
      [
        `burst: inotify -> Redis, changes/s${tag}`,
        `${fmt(median(burst.map((r) => (BURST / r.redis) * 1000)))}/s`,
        burst.map((r) => `${fmt(r.redis)} ms`).join(', '),
      ],
      [
        `burst: stream entries${tag}`,
        fmt(median(burst.map((r) => r.entries))),
        burst.map((r) => fmt(r.entries)).join(', '),
      ],
      [
        `at rest: ${fmt(REST)} files at ${fmt(RATE)}/s, daemon CPU${tag}`,
        `${fmt(median(rest.map((r) => r.busy)))} ms`,
        rest.map((r) => `${fmt(r.busy)} ms`).join(', '),
      ],
      [
        `at rest: nothing changing for ${fmt(restMs / 1000)} s (baseline)${tag}`,
        `${fmt(median(rest.map((r) => r.idle)))} ms`,
        rest.map((r) => `${fmt(r.idle)} ms`).join(', '),
      ],
      [
        `at rest: stream entries (one a write)${tag}`,
        fmt(median(rest.map((r) => r.entries))),
        rest.map((r) => fmt(r.entries)).join(', '),
      ],
      [
        `at rest: file -> Redis latency p50 / p99, ms (empty files: held 50 ms for content)${tag}`,
        `${fmt(median(rest.map((r) => r.p50)))} / ${fmt(median(rest.map((r) => r.p99)))}`,
        rest.map((r) => `${fmt(r.p50)} / ${fmt(r.p99)}`).join(', '),
      ],
      [
        `at rest: ms of CPU per change${tag}`,
        fmt(median(rest.map((r) => r.busy / REST)), 3),
        rest.map((r) => fmt(r.busy / REST, 3)).join(', '),
      ],
    );
  }
  rows.push([
    'the writing side alone (baseline), changes/s',
    `${fmt(median(writerRates))}/s`,
    writerRates.map((r) => fmt(r)).join(', '),
  ]);
  printTable(rows);
} finally {
  reader?.disconnect();
  for (const variant of made) {
    const child = variant.child;
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('close', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }
  await stopRedis(redis);
  rmSync(root, { recursive: true, force: true });
  guard.done();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** User + system CPU time of a process, in ms (from /proc/PID/stat; clock ticks of 10 ms). */
async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
