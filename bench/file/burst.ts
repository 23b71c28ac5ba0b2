// One run of the 10,000-file burst for one variant, in its own process so that peak RSS is its own:
// `node bench/file/burst.ts <variant>` prints one JSON line (see BurstResult).
//
// 10 directories and 1,000 files in each are created, then every file is rewritten, then every
// file and directory is deleted. Each phase starts once the previous one is fully reported (or
// given up on as lost after IDLE_MS without progress). Writes are async, 64 at a time, in the
// watching process, as an application's own writes would be.
import { mkdir, mkdtemp, rm, rmdir, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Change, variants } from './watchers.ts';

export const DIRS = 10;
export const FILES_PER_DIR = 1000;
const CONCURRENCY = 64;
const IDLE_MS = 5000;

/** What one run measured. Times in ms, RSS in MiB. */
export interface BurstResult {
  readonly variant: string;
  /** Per phase: from its first write to the event that completed it. */
  readonly phaseMs: readonly number[];
  /** Per phase: how long the writes took (the floor of any watcher). */
  readonly writesMs: readonly number[];
  /** From the first write of the first phase to the last event of the last phase. */
  readonly totalMs: number;
  /** Paths never reported, per phase. */
  readonly lost: readonly number[];
  /** Events of another kind than the phase's (renames, deletes while creating...). */
  readonly unexpected: number;
  readonly peakRssMb: number;
}

async function pool<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

async function main(): Promise<void> {
  const name = process.argv[2] ?? '';
  const variant = variants[name];
  if (variant === undefined) throw new Error(`unknown variant ${name}`);
  const root = await mkdtemp(join(tmpdir(), 'bench-file-'));
  const dirs = Array.from({ length: DIRS }, (_, d) => join(root, `dir-${d}`));
  const files = dirs.flatMap((dir) =>
    Array.from({ length: FILES_PER_DIR }, (_, f) => join(dir, `file-${f}.txt`)),
  );

  // The phase being measured: which change counts, for which paths, written since when.
  let expected: Change = 'created';
  let pending = new Set<string>();
  let lastProgressAt = 0;
  let unexpected = 0;
  const onChange = (path: string, change: Change): void => {
    if (change === expected && pending.delete(path)) lastProgressAt = performance.now();
    else if (change !== expected && change !== 'written') unexpected++;
  };
  const running = await variant.start(root, onChange);

  const phase = async (change: Change, paths: string[], act: () => Promise<void>) => {
    expected = change;
    pending = new Set(paths);
    const start = performance.now();
    lastProgressAt = start;
    await act();
    const written = performance.now();
    while (pending.size > 0 && performance.now() - lastProgressAt < IDLE_MS) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return { start, written, end: lastProgressAt, lost: pending.size };
  };
  const phases = [
    await phase('created', [...dirs, ...files], async () => {
      for (const dir of dirs) await mkdir(dir);
      await pool(files, (file) => writeFile(file, 'created'));
    }),
    await phase('written', files, () => pool(files, (file) => writeFile(file, 'modified, longer'))),
    await phase('deleted', [...dirs, ...files], async () => {
      await pool(files, (file) => unlink(file));
      for (const dir of dirs) await rmdir(dir);
    }),
  ];
  await running.stop();
  await rm(root, { recursive: true, force: true });
  const result: BurstResult = {
    variant: variant.name,
    phaseMs: phases.map((p) => p.end - p.start),
    writesMs: phases.map((p) => p.written - p.start),
    totalMs: (phases.at(-1)?.end ?? 0) - (phases[0]?.start ?? 0),
    lost: phases.map((p) => p.lost),
    unexpected,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
