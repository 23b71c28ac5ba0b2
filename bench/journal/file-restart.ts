// Restart of the file source with a tree snapshot, against its cold start. `node
// bench/journal/file-restart.ts` makes 100,000 files in 1,000 directories in a temp dir once, then
// runs, each in a child process of its own and interleaved, 5 times: (a) a cold start (no
// checkpoint): time to ready; (b) a restart with a saved snapshot (100 files changed while down):
// time to ready, which includes walking the tree and reporting the changes. Medians, ratios per run.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Event } from '../../lib/events/event.ts';
import { SqliteJournal } from '../../lib/journal/sqlite-journal.ts';
import { fileSource } from '../../lib/sources/file/file-source.ts';
import { fmt, median, printTable } from '../support.ts';

const RUNS = 5;

/** In a child: `file-restart.ts run <variant> <tree> <journal>` prints {readyMs, events}. */
async function child(variant: string, tree: string, journalPath: string): Promise<void> {
  const journal = variant === 'cold' ? null : new SqliteJournal({ path: journalPath });
  const began = performance.now();
  const source = fileSource(tree, journal === null ? {} : { checkpoint: journal });
  const events: Event[] = [];
  const subscription = source.subscribe((event) => events.push(event));
  await source.ready();
  const readyMs = performance.now() - began;
  subscription.unsubscribe();
  await journal?.close();
  process.stdout.write(`${JSON.stringify({ readyMs, events: events.length })}\n`);
}

function run(variant: string, tree: string, journal: string): { readyMs: number; events: number } {
  const script = fileURLToPath(import.meta.url);
  const result = spawnSync(process.execPath, [script, 'run', variant, tree, journal], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`${variant} failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as { readyMs: number; events: number };
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
    const cold: number[] = [];
    const restart: number[] = [];
    const reported: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      for (let i = 0; i < 100; i++)
        writeFileSync(join(tree, `d${i * 10}`, `f${r}.txt`), `run ${r}`);
      const restarted = run('snapshot', tree, journal);
      restart.push(restarted.readyMs);
      reported.push(restarted.events);
      cold.push(run('cold', tree, journal).readyMs);
    }
    console.log(
      '\nFile source on 100,000 files: cold start vs restart with a snapshot, median of 5\n',
    );
    printTable([
      ['variant', 'ready (ms, median)', 'min', 'max', 'x cold, median of per-run ratios'],
      ['(a) cold start', fmt(median(cold)), fmt(Math.min(...cold)), fmt(Math.max(...cold)), '1.00'],
      [
        `(b) restart with snapshot (reports ${fmt(median(reported))} changes)`,
        fmt(median(restart)),
        fmt(Math.min(...restart)),
        fmt(Math.max(...restart)),
        fmt(median(restart.map((value, i) => value / (cold[i] ?? Number.NaN))), 2),
      ],
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
