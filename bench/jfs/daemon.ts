// The real `batchwatch daemon` program on a private redis-server, measured from the files to the
// stream (issues 20 and 26):
// - burst: `--burst` empty files created at once in a directory the daemon watches, from the first
//   creation to the moment Redis appended the last of them (the entry id's time: no polling in
//   the measure), as changes/s; baselines from the same run: how fast this process creates the
//   files (the ceiling), and the daemon's writing side alone (ChangeOutbox + RedisChangeFeed);
// - at rest: `--rest` files created evenly at `--rate` a second, the daemon's CPU time (from
//   /proc) per change, next to its CPU over the same time with nothing changing (baseline).
// Medians of `--runs` runs. The files are made on a tmpfs (/dev/shm) when there is one: on this
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
import { asapScheduler } from 'rxjs';
import { ChangeOutbox } from '../../lib/jfs-daemon/change-outbox.ts';
import { RedisChangeFeed } from '../../lib/jfs-daemon/redis-change-feed.ts';
import { Op } from '../../lib/jfs-protocol/op.ts';
import { notifyNames } from '../../lib/jfs-protocol/redis-keys.ts';
import { startRedis, stopRedis } from '../../spec/support/redis-server.ts';
import { fmt, median, printTable } from '../support.ts';
import { killOnExit } from './kill-on-exit.ts';

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
const bin = fileURLToPath(new URL('../../lib/cli/bin.ts', import.meta.url));
const streamKey = 'jfsnotify:stream';

const guard = killOnExit();
const redis = await startRedis();
guard.pid(redis.pid);
const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
const root = mkdtempSync(join(base, 'bw-daemon-bench-'));
guard.dir(root);
const burstDir = join(root, 'burst');
const restDir = join(root, 'rest');
mkdirSync(burstDir);
mkdirSync(restDir);

let daemon: ChildProcess | null = null;
let reader: Redis | null = null;
try {
  let stderr = '';
  daemon = spawn(
    process.execPath,
    [bin, 'daemon', '--redis', `127.0.0.1:${redis.port}`, burstDir, restDir],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  guard.child(daemon);
  daemon.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  await until('the daemon', () => stderr.includes('watching'), 30_000);
  reader = new Redis({ port: redis.port, lazyConnect: true });
  await reader.connect();
  const pid = daemon.pid as number;

  /** Reads the stream after `cursor`: changes under `prefix`, the last entry id. */
  const changesIn = async (
    prefix: string,
    cursor: string,
  ): Promise<{ count: number; last: string }> => {
    let count = 0;
    let last = cursor;
    for (;;) {
      const entries = await (reader as Redis).xrange(streamKey, `(${last}`, '+', 'COUNT', 1000);
      if (entries.length === 0) return { count, last };
      for (const [id, fields] of entries) {
        last = id;
        if (fields[0] === 'Name' && (fields[1] as string).startsWith(prefix)) count++;
        else if (fields[0] === 'Events') {
          for (const event of JSON.parse(fields[1] as string) as { Name: string }[]) {
            if (event.Name.startsWith(prefix)) count++;
          }
        }
      }
    }
  };
  const lastId = async (): Promise<string> =>
    (await (reader as Redis).xrevrange(streamKey, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';

  /** Waits until `expected` changes under `prefix` are in the stream after `cursor`; the last id. */
  const awaitChanges = async (prefix: string, cursor: string, expected: number) => {
    let seen = 0;
    let last = cursor;
    let entries = 0;
    await until(
      `${fmt(expected)} changes in Redis`,
      async () => {
        const read = await changesIn(prefix, last);
        seen += read.count;
        if (read.last !== last) entries += await countEntries(last, read.last);
        last = read.last;
        return seen >= expected;
      },
      120_000,
    );
    return { last, entries };
  };
  const countEntries = async (from: string, to: string): Promise<number> =>
    (await (reader as Redis).xrange(streamKey, `(${from}`, to)).length;

  // --- Burst. ---
  const burstRows: { create: number; redis: number; entries: number }[] = [];
  for (let run = 0; run < RUNS; run++) {
    const cursor = await lastId();
    const start = Date.now();
    const t0 = performance.now();
    for (let i = 0; i < BURST; i++) closeSync(openSync(join(burstDir, `r${run}-${i}`), 'w'));
    const createMs = performance.now() - t0;
    const { last, entries } = await awaitChanges(`${burstDir}/r${run}-`, cursor, BURST);
    // The entry id's first part is the time Redis appended it (ms, this machine's clock).
    const doneMs = Math.max(1, Number(last.split('-')[0]) - start);
    burstRows.push({ create: createMs, redis: doneMs, entries });
    // Cleared for the next run; its removals reach Redis before the next run starts.
    const clearCursor = await lastId();
    rmSync(burstDir, { recursive: true, force: true });
    mkdirSync(burstDir);
    await awaitChanges(`${burstDir}/r${run}-`, clearCursor, BURST).catch(() => undefined);
  }

  // The daemon's writing side alone, in this process, on a stream of its own.
  const writerRedis = new Redis({ port: redis.port, lazyConnect: true });
  await writerRedis.connect();
  const writerRates: number[] = [];
  const outbox = new ChangeOutbox(
    new RedisChangeFeed(writerRedis, notifyNames('bench-writer'), 100_000),
    {
      daemonId: 'bench',
      maxBacklog: 1_000_000,
      scheduler: asapScheduler,
      retry: () => 100,
      overflowing: () => {},
      failed: (error) => console.error(error.message),
      recovered: () => {},
    },
  );
  await outbox.marked;
  for (let run = 0; run < RUNS; run++) {
    const before = outbox.counters.published;
    const t0 = performance.now();
    for (let i = 0; i < BURST; i++) {
      outbox.push({ name: `${burstDir}/w${run}-${i}`, op: Op.Create, key: burstDir });
    }
    await until('the writer', () => outbox.counters.published >= before + BURST, 60_000);
    writerRates.push((BURST / (performance.now() - t0)) * 1000);
  }
  await outbox.close();
  writerRedis.disconnect();

  // --- At rest. ---
  const restRows: { idle: number; busy: number }[] = [];
  const restMs = (REST / RATE) * 1000;
  for (let run = 0; run < RUNS; run++) {
    const idleFrom = await cpuMs(pid);
    await sleep(restMs);
    const idle = (await cpuMs(pid)) - idleFrom;
    const cursor = await lastId();
    const busyFrom = await cpuMs(pid);
    const t0 = performance.now();
    for (let i = 0; i < REST; i++) {
      // Evenly spaced: file i at i / RATE seconds.
      const due = t0 + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      closeSync(openSync(join(restDir, `q${run}-${i}`), 'w'));
    }
    await awaitChanges(`${restDir}/q${run}-`, cursor, REST);
    const busy = (await cpuMs(pid)) - busyFrom;
    restRows.push({ idle, busy });
  }

  const burstRate = burstRows.map((r) => (BURST / r.redis) * 1000);
  console.log(
    `\nThe daemon program, files (in ${base}) to Redis, medians of ${RUNS} runs (machine shared)\n`,
  );
  printTable([
    ['measure', 'median', 'runs'],
    [
      `burst: ${fmt(BURST)} empty files created (ceiling)`,
      `${fmt(median(burstRows.map((r) => (BURST / r.create) * 1000)))}/s`,
      burstRows.map((r) => `${fmt(r.create)} ms`).join(', '),
    ],
    [
      'burst: inotify -> Redis, changes/s',
      `${fmt(median(burstRate))}/s`,
      burstRows.map((r) => `${fmt(r.redis)} ms`).join(', '),
    ],
    [
      'burst: stream entries',
      fmt(median(burstRows.map((r) => r.entries))),
      burstRows.map((r) => fmt(r.entries)).join(', '),
    ],
    [
      'the writing side alone (baseline), changes/s',
      `${fmt(median(writerRates))}/s`,
      writerRates.map((r) => fmt(r)).join(', '),
    ],
    [
      `at rest: ${fmt(REST)} files at ${fmt(RATE)}/s, daemon CPU`,
      `${fmt(median(restRows.map((r) => r.busy)))} ms`,
      restRows.map((r) => `${fmt(r.busy)} ms`).join(', '),
    ],
    [
      `at rest: nothing changing for ${fmt(restMs / 1000)} s (baseline)`,
      `${fmt(median(restRows.map((r) => r.idle)))} ms`,
      restRows.map((r) => `${fmt(r.idle)} ms`).join(', '),
    ],
    [
      'at rest: ms of CPU per change',
      fmt(median(restRows.map((r) => r.busy / REST)), 3),
      restRows.map((r) => fmt(r.busy / REST, 3)).join(', '),
    ],
    [
      'at rest: ms of CPU per change, less the idle baseline',
      fmt(median(restRows.map((r) => (r.busy - r.idle) / REST)), 3),
      restRows.map((r) => fmt((r.busy - r.idle) / REST, 3)).join(', '),
    ],
  ]);
} finally {
  reader?.disconnect();
  if (daemon !== null && daemon.exitCode === null) {
    const exited = new Promise((resolve) => daemon?.once('close', resolve));
    daemon.kill('SIGTERM');
    await exited;
  }
  await stopRedis(redis);
  rmSync(root, { recursive: true, force: true });
  guard.done();
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms: number) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
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
