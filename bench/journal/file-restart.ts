// Restart of the file source with a tree snapshot, against its cold start. `node
// bench/journal/file-restart.ts` makes 100,000 files in 1,000 directories in a temp dir once, then
// runs, each in a child process of its own, 9 times (`--runs N`): (b) a restart with a saved snapshot after 100
// files were written while it was down, and (c) one after 25 files created, 25 deleted, 25
// renamed, 25 written and a directory of 100 renamed: time to ready, which includes walking the
// tree and reporting the changes. Each restart has (a) a cold start (no checkpoint) beside it,
// run under the same conditions (right after the same changes to the tree), first in one run and
// second in the next, so that neither side always follows the other (the page cache is warm for
// all: the tree was just made). Medians; each restart's ratio to the cold start of its pair; the
// main thread's CPU time until ready beside the wall time (less moved by other processes on a
// shared machine). (d): a first start with a checkpoint store that holds nothing yet, against the
// cold start of the same round.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Event } from '../../lib/events/event.ts';
import { SqliteJournal } from '../../lib/journal/sqlite-journal.ts';
import { fileSource } from '../../lib/sources/file/file-source.ts';
import { fmt, median, printTable } from '../support.ts';

/** `--runs N` (default 9; at most 20: each run changes files of its own). */
const RUNS = Math.min(Number(process.argv[process.argv.indexOf('--runs') + 1] ?? 9) || 9, 20);

interface Result {
  readonly readyMs: number;
  /** CPU time of the main thread until ready (user + system): less moved by other processes. */
  readonly cpuMs: number;
  readonly events: number;
  /** Directories whose names the snapshot vouched for (not read). */
  readonly dirsFromSnapshot: number;
}

/** The main thread's CPU time so far, in ms. */
function threadCpuMs(): number {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1000;
}

/** In a child: `file-restart.ts run <variant> <tree> <journal>` prints a {@link Result}. */
async function child(variant: string, tree: string, journalPath: string): Promise<void> {
  const journal = variant === 'cold' ? null : new SqliteJournal({ path: journalPath });
  const cpuBefore = threadCpuMs();
  const began = performance.now();
  const source = fileSource(tree, journal === null ? {} : { checkpoint: journal });
  const events: Event[] = [];
  const subscription = source.subscribe((event) => events.push(event));
  await source.ready();
  const readyMs = performance.now() - began;
  const cpuMs = threadCpuMs() - cpuBefore;
  const dirsFromSnapshot = source.stats()['dirsFromSnapshot'] ?? 0;
  subscription.unsubscribe();
  await journal?.close();
  const result: Result = { readyMs, cpuMs, events: events.length, dirsFromSnapshot };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function run(variant: string, tree: string, journal: string): Result {
  const script = fileURLToPath(import.meta.url);
  const result = spawnSync(process.execPath, [script, 'run', variant, tree, journal], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`${variant} failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Result;
}

if (process.argv[2] === 'run') {
  await child(process.argv[3] ?? '', process.argv[4] ?? '', process.argv[5] ?? '');
} else {
  const dir = mkdtempSync(join(tmpdir(), 'batchwatch-bench-restart-'));
  const tree = join(dir, 'tree');
  const journal = join(dir, 'journal.sqlite');
  try {
    for (let d = 0; d < 1000; d++) {
      mkdirSync(join(tree, `d${d}`), { recursive: true });
      for (let f = 0; f < 100; f++) writeFileSync(join(tree, `d${d}`, `f${f}.txt`), 'x');
    }
    run('snapshot', tree, journal); // the first start saves the snapshot
    const cold: Result[] = [];
    const written: Result[] = [];
    const mixed: Result[] = [];
    /** A first start with a checkpoint store that holds nothing yet (`--state-dir` the first time). */
    const first: Result[] = [];
    /**
     * A restart with its cold start beside it, under the same conditions (the same changes just
     * made to the tree): which of the two runs first alternates from one run to the next.
     */
    const pair = (r: number, restarts: Result[]): void => {
      const restart = (): void => {
        restarts.push(run('snapshot', tree, journal));
      };
      const coldStart = (): void => {
        cold.push(run('cold', tree, journal));
      };
      if (r % 2 === 0) {
        coldStart();
        restart();
      } else {
        restart();
        coldStart();
      }
    };
    for (let r = 0; r < RUNS; r++) {
      for (let i = 0; i < 100; i++)
        writeFileSync(join(tree, `d${i * 10}`, `f${r}.txt`), `run ${r}`);
      pair(r, written);
      first.push(run('snapshot', tree, join(dir, `first-${r}.sqlite`)));
      // 25 files created, 25 deleted, 25 renamed, 25 written, one directory renamed.
      for (let i = 0; i < 25; i++) {
        const d = join(tree, `d${100 + i}`);
        writeFileSync(join(d, `new-${r}.txt`), 'new');
        rmSync(join(d, `f${20 + r}.txt`));
        renameSync(join(d, `f${40 + r}.txt`), join(d, `renamed-${r}.txt`));
        writeFileSync(join(d, `f${60 + r}.txt`), `run ${r}`);
      }
      // An odd number: never one of the directories written to (d0, d10, ...).
      renameSync(join(tree, `d${501 + 2 * r}`), join(tree, `moved-${r}`));
      pair(r, mixed);
    }
    console.log(
      `\nFile source on 100,000 files: cold start vs restart with a snapshot, median of ${RUNS}\n`,
    );
    /** Each restart against the cold start of its own pair (cold[2r]: written[r], cold[2r + 1]: mixed[r]). */
    const ratio = (results: Result[], key: 'readyMs' | 'cpuMs'): string => {
      const coldOf = (i: number): Result | undefined =>
        results === cold ? cold[i] : cold[2 * i + (results === mixed ? 1 : 0)];
      // (first[r] against the cold start of the written pair of its round.)
      return fmt(
        median(results.map((result, i) => result[key] / (coldOf(i)?.[key] ?? Number.NaN))),
        2,
      );
    };
    const row = (label: string, results: Result[]): string[] => {
      const ready = results.map((result) => result.readyMs);
      return [
        label,
        fmt(median(ready)),
        fmt(Math.min(...ready)),
        fmt(Math.max(...ready)),
        ratio(results, 'readyMs'),
        fmt(median(results.map((result) => result.cpuMs))),
        ratio(results, 'cpuMs'),
      ];
    };
    const reported = (results: Result[]): string =>
      `${fmt(median(results.map((r) => r.events)))}; directories not read ${fmt(median(results.map((r) => r.dirsFromSnapshot)))}`;
    printTable([
      [
        'variant',
        'ready (ms, median)',
        'min',
        'max',
        'x cold (median of per-run ratios)',
        'main-thread CPU (ms, median)',
        'x cold',
      ],
      row('(a) cold start', cold),
      row(`(b) restart, 100 files written (reports ${reported(written)})`, written),
      row(
        `(c) restart, files created, deleted, renamed, written, a directory renamed (reports ${reported(mixed)})`,
        mixed,
      ),
      row('(d) first start with a checkpoint store, nothing saved yet (saves the snapshot)', first),
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
