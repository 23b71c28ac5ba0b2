// File source benchmark: `npx node bench/file/main.ts` prints the tables (BENCH_RUNS=n, default 5).
//
// 1. The 10,000-file burst (bench/file/burst.ts: 10 directories x 1,000 files, created, then
//    modified, then deleted): time from the first write to the last event, loss, peak RSS; for
//    chokidar alone (the floor), the raw file source, and the file source through an EventQueue.
//    Every run of every variant is a child process of its own, so peak RSS figures do not mix;
//    variants are interleaved run by run and ratios are taken per run, then the median.
// 0. Startup on a large tree (bench/file/startup.ts: 100,000 files in 1,000 directories, made once
//    in a temp dir): time to ready, RSS once ready, inotify watches; for @parcel/watcher (native),
//    chokidar alone and the file source, each run a child process of its own, interleaved.
// 2. Single-write latency (bench/file/latency.ts: one write every 50 ms, 200 times), write call to
//    event, raw (no queue), for chokidar alone and the file source.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, median, percentile, printTable } from '../support.ts';
import type { BurstResult } from './burst.ts';
import type { LatencyResult } from './latency.ts';
import type { StartupResult } from './startup.ts';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const burstVariants = ['chokidar', 'chokidar-stat', 'source', 'queue'];
const latencyVariants = ['chokidar', 'source'];
const FLOOR = 'chokidar';
const GOAL = 1.2;

function child<T>(script: string, variant: string, ...args: string[]): T {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const result = spawnSync(process.execPath, ['--expose-gc', path, variant, ...args], {
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`${script} ${variant} failed (${result.status}): ${result.stderr}`);
  }
  return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '') as T;
}

const STARTUP_DIRS = 1000;
const STARTUP_FILES_PER_DIR = 100;
const startupVariants: Readonly<Record<string, string>> = {
  parcel: '@parcel/watcher 2 (native)',
  chokidar: 'chokidar alone',
  source: 'fileSource',
};
const tree = mkdtempSync(join(tmpdir(), 'bench-startup-'));
for (let d = 0; d < STARTUP_DIRS; d++) {
  mkdirSync(join(tree, `d${d}`));
  for (let f = 0; f < STARTUP_FILES_PER_DIR; f++) writeFileSync(join(tree, `d${d}`, `f${f}`), 'x');
}
const startups = new Map<string, StartupResult[]>(
  Object.keys(startupVariants).map((variant) => [variant, []]),
);
for (let run = 0; run < RUNS; run++) {
  for (const variant of Object.keys(startupVariants)) {
    startups.get(variant)?.push(child<StartupResult>('startup.ts', variant, tree));
    process.stderr.write('.');
  }
}
const parcel = startups.get('parcel') ?? [];
const perRun = (results: StartupResult[], pick: (result: StartupResult) => number): number =>
  median(results.map((result, run) => pick(result) / pick(parcel[run] as StartupResult)));
console.log(
  `\nStartup: ${fmt(STARTUP_DIRS * STARTUP_FILES_PER_DIR)} files in ${fmt(STARTUP_DIRS)} directories, ` +
    `warm cache; median of ${RUNS} runs, ratios per run against parcel (Node ${process.versions.node})\n`,
);
printTable([
  ['watcher', 'ready ms', 'x parcel', 'RSS MiB', 'x parcel', 'inotify watches'],
  ...Object.entries(startupVariants).map(([variant, name]) => {
    const results = startups.get(variant) ?? [];
    return [
      name,
      fmt(median(results.map((result) => result.readyMs))),
      fmt(
        perRun(results, (result) => result.readyMs),
        2,
      ),
      fmt(median(results.map((result) => result.rssMb))),
      fmt(
        perRun(results, (result) => result.rssMb),
        2,
      ),
      fmt(median(results.map((result) => result.watches))),
    ];
  }),
]);
const sourceStartups = startups.get('source') ?? [];
const readyRatio = perRun(sourceStartups, (result) => result.readyMs);
const startupRss = perRun(sourceStartups, (result) => result.rssMb);
const watches = median(sourceStartups.map((result) => result.watches));
console.log('\nGoals (fileSource vs parcel, same run):');
console.log(`  ready <= 1.5x:   ${readyRatio <= 1.5 ? 'met' : 'MISSED'} (${fmt(readyRatio, 2)}x)`);
console.log(`  RSS <= 2x:       ${startupRss <= 2 ? 'met' : 'MISSED'} (${fmt(startupRss, 2)}x)`);
console.log(`  1,001 watches:   ${watches === 1001 ? 'met' : 'MISSED'} (${fmt(watches)})`);
rmSync(tree, { recursive: true, force: true });

const bursts = new Map<string, BurstResult[]>(burstVariants.map((variant) => [variant, []]));
for (let run = 0; run < RUNS; run++) {
  for (const variant of burstVariants) {
    bursts.get(variant)?.push(child<BurstResult>('burst.ts', variant));
    process.stderr.write('.');
  }
}
process.stderr.write('\n');

const floor = bursts.get(FLOOR) ?? [];
const perRunRatio = (results: BurstResult[], pick: (result: BurstResult) => number): number =>
  median(results.map((result, run) => pick(result) / pick(floor[run] as BurstResult)));
const ms = (values: number[]): string => fmt(median(values));
/** Per phase, the time from the last write returning to the last event, summed: the watcher's own share. */
const lagAfterWrites = (result: BurstResult): number =>
  result.phaseMs.reduce((sum, phase, i) => sum + phase - (result.writesMs[i] ?? 0), 0);

console.log(
  `\nBurst: 10 directories x 1,000 files, created, then modified, then deleted; median of ${RUNS} runs ` +
    `(Node ${process.versions.node}, ${process.platform})\n`,
);
printTable([
  [
    'variant',
    'first write -> last event ms',
    'x floor',
    'create ms',
    'modify ms',
    'delete ms',
    'lag after writes ms',
    'lost (all runs)',
    'peak RSS MiB',
    'x floor',
  ],
  ...burstVariants.map((variant) => {
    const results = bursts.get(variant) ?? [];
    const lost = results.reduce((sum, result) => sum + result.lost.reduce((a, b) => a + b, 0), 0);
    return [
      results[0]?.variant ?? variant,
      ms(results.map((result) => result.totalMs)),
      fmt(
        perRunRatio(results, (result) => result.totalMs),
        2,
      ),
      ms(results.map((result) => result.phaseMs[0] ?? 0)),
      ms(results.map((result) => result.phaseMs[1] ?? 0)),
      ms(results.map((result) => result.phaseMs[2] ?? 0)),
      ms(results.map(lagAfterWrites)),
      String(lost),
      fmt(median(results.map((result) => result.peakRssMb))),
      fmt(
        perRunRatio(results, (result) => result.peakRssMb),
        2,
      ),
    ];
  }),
]);
const writes = floor.map((result) => result.writesMs.reduce((a, b) => a + b, 0));
console.log(
  `(the writes themselves took ${ms(writes)} ms of the floor's time, median: on this machine ` +
    'the burst is bound by the filesystem; "lag after writes" is what the watcher adds)',
);

const latencies = latencyVariants.map((variant) => child<LatencyResult>('latency.ts', variant));
console.log(
  '\nSingle-write latency: one write every 50 ms, 200 times; write call -> event, raw (no queue)\n',
);
printTable([
  ['variant', 'p50 ms', 'p99 ms', 'max ms', 'missed'],
  ...latencies.map((result) => [
    result.variant,
    fmt(percentile(result.latenciesMs, 50), 2),
    fmt(percentile(result.latenciesMs, 99), 2),
    fmt(Math.max(...result.latenciesMs), 2),
    String(result.missed),
  ]),
]);

const queue = bursts.get('queue') ?? [];
const totalLost = [...bursts.values()]
  .flat()
  .reduce((sum, r) => sum + r.lost.reduce((a, b) => a + b, 0), 0);
const timeRatio = perRunRatio(queue, (result) => result.totalMs);
const rssRatio = perRunRatio(queue, (result) => result.peakRssMb);
console.log('\nGoals (file source through an EventQueue vs chokidar alone):');
console.log(
  `  zero loss:                  ${totalLost === 0 ? 'met' : `MISSED (${totalLost} lost)`}`,
);
console.log(
  `  end-to-end <= ${GOAL}x:         ${timeRatio <= GOAL ? 'met' : 'MISSED'} (${fmt(timeRatio, 2)}x)`,
);
console.log(
  `  peak RSS <= ${GOAL}x:           ${rssRatio <= GOAL ? 'met' : 'MISSED'} (${fmt(rssRatio, 2)}x)`,
);
