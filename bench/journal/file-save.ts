// What a file source's checkpoint costs while it watches: `node bench/journal/file-save.ts` makes
// 100,000 files in 1,000 directories once, then runs, each in a child process of its own, 3 times
// (`--runs N`): the source with a checkpoint store (a SQLite journal holding the snapshot of a
// first start) and, as the same-run baseline, the source without one, while files are written at
// rest (`--changes 20`, one every `--gap 500` ms, each waited for). Per change: the main thread's
// CPU time (user + system), the longest the event loop was blocked, the checkpoint saves and what
// they wrote. Medians. `BENCH_BEFORE=<older checkout>` runs that checkout's source with a store too.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fmt, median, printTable } from '../support.ts';

const option = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name);
  const value = at < 0 ? Number.NaN : Number(process.argv[at + 1]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};
const RUNS = Math.min(option('--runs', 3), 20);
const CHANGES = Math.min(option('--changes', 20), 1000);
const GAP_MS = option('--gap', 500);
const BEFORE = process.env['BENCH_BEFORE'];

interface Result {
  /** Main-thread CPU per change, ms. */
  readonly cpuMs: number;
  /** The longest event-loop delay while changes came, ms. */
  readonly blockedMs: number;
  readonly saves: number;
  /** Characters written to the store per save. */
  readonly savedChars: number;
}

const threadCpuMs = (): number => {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1000;
};
const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** In a child: `file-save.ts run <store|plain> <tree> <journal> [lib root]` prints a {@link Result}. */
async function child(variant: string, tree: string, journalPath: string, root: string) {
  const lib = (path: string) => import(pathToFileURL(join(root, 'lib', path)).href);
  const { fileSource } = await lib('sources/file/file-source.ts');
  const { SqliteJournal } = await lib('journal/sqlite-journal.ts');
  const journal = variant === 'plain' ? null : new SqliteJournal({ path: journalPath });
  let saves = 0;
  let savedChars = 0;
  const store = journal && {
    checkpoint: (name: string) => journal.checkpoint(name),
    setCheckpoint: (name: string, value: string) => {
      saves++;
      savedChars += value.length;
      journal.setCheckpoint(name, value);
    },
  };
  const source = fileSource(tree, store === null ? {} : { checkpoint: store });
  /** The path a change is awaited for, and what to call when its event comes. */
  let awaited: { path: string; done: () => void } | null = null;
  const subscription = source.subscribe((event: { actorId: string }) => {
    if (event.actorId === awaited?.path) awaited.done();
  });
  await source.ready();
  if (variant === 'first') {
    subscription.unsubscribe();
    await journal?.close();
    return;
  }
  // What follows ready (the snapshot saved once) is not counted.
  await sleep(1500);
  saves = 0;
  savedChars = 0;
  // Sampled every 20 ms (at 1 ms, its own timer would be most of the CPU measured).
  const delay = monitorEventLoopDelay({ resolution: 20 });
  delay.enable();
  const cpuBefore = threadCpuMs();
  for (let i = 0; i < CHANGES; i++) {
    const path = join(tree, `d${(i * 37) % 1000}`, `f${i % 100}.txt`);
    const delivered = new Promise<void>((done) => {
      awaited = { path, done };
    });
    writeFileSync(path, `change ${i} ${Date.now()}`);
    await delivered;
    awaited = null;
    await sleep(GAP_MS);
  }
  const cpuMs = (threadCpuMs() - cpuBefore) / CHANGES;
  delay.disable();
  const result: Result = {
    cpuMs,
    blockedMs: delay.max / 1e6,
    saves,
    savedChars: saves === 0 ? 0 : savedChars / saves,
  };
  subscription.unsubscribe();
  await journal?.close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function run(variant: string, tree: string, journal: string, root: string): Result {
  const script = fileURLToPath(import.meta.url);
  const args = [script, 'run', variant, tree, journal, root, ...process.argv.slice(2)];
  const result = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${variant} failed: ${result.stderr}`);
  return variant === 'first' ? ({} as Result) : (JSON.parse(result.stdout) as Result);
}

if (process.argv[2] === 'run') {
  const [variant = '', tree = '', journal = '', root = ''] = process.argv.slice(3);
  await child(variant, tree, journal, root);
} else {
  const here = fileURLToPath(new URL('../..', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'batchwatch-bench-save-'));
  const tree = join(dir, 'tree');
  try {
    for (let d = 0; d < 1000; d++) {
      mkdirSync(join(tree, `d${d}`), { recursive: true });
      for (let f = 0; f < 100; f++) writeFileSync(join(tree, `d${d}`, `f${f}.txt`), 'x');
    }
    const sides: [string, string, string][] = [
      ['without a store (baseline)', 'plain', here],
      ['with a checkpoint store', 'store', here],
    ];
    if (BEFORE !== undefined) sides.push(['with a store, BENCH_BEFORE', 'store', resolve(BEFORE)]);
    const results = sides.map(() => [] as Result[]);
    // Each side's journal holds the snapshot of a first start (its own format) before it is run.
    const journals = sides.map((_, i) => join(dir, `journal-${i}.sqlite`));
    sides.forEach(([, variant, root], i) => {
      if (variant === 'store') run('first', tree, journals[i] as string, root);
    });
    for (let r = 0; r < RUNS; r++) {
      // Interleaved, the order turned each run.
      const order = sides.map((_, i) => i);
      if (r % 2 === 1) order.reverse();
      for (const i of order) {
        const [, variant, root] = sides[i] as [string, string, string];
        results[i]?.push(run(variant, tree, journals[i] as string, root));
      }
    }
    const baseline = median((results[0] ?? []).map((result) => result.cpuMs));
    console.log(
      `\nFile source on 100,000 files, ${CHANGES} files written ${GAP_MS} ms apart, median of ${RUNS}\n`,
    );
    printTable([
      [
        'variant',
        'main-thread CPU per change (ms)',
        'x baseline',
        'longest event-loop block (ms)',
        'checkpoint saves',
        'characters per save',
      ],
      ...sides.map(([label], i) => {
        const of = (key: keyof Result) => median((results[i] ?? []).map((result) => result[key]));
        return [
          label,
          fmt(of('cpuMs'), 2),
          fmt(of('cpuMs') / baseline, 2),
          fmt(of('blockedMs'), 1),
          fmt(of('saves')),
          fmt(of('savedChars')),
        ];
      }),
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
