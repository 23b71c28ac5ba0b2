// Single-write latency for one variant, in its own process: `node bench/file/latency.ts <variant>`
// writes one file every INTERVAL_MS, WRITES times, and prints one JSON line with the time from
// each write call to the event reporting it (see LatencyResult). No queue: raw source latency.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { variants } from './watchers.ts';

export const WRITES = 200;
export const INTERVAL_MS = 50;

/** What one run measured, in ms. */
export interface LatencyResult {
  readonly variant: string;
  readonly latenciesMs: readonly number[];
  /** Writes no event was seen for before the next write. */
  readonly missed: number;
}

async function main(): Promise<void> {
  const name = process.argv[2] ?? '';
  const variant = variants[name];
  if (variant === undefined) throw new Error(`unknown variant ${name}`);
  const root = await mkdtemp(join(tmpdir(), 'bench-latency-'));
  const file = join(root, 'written.txt');
  await writeFile(file, 'initial');
  let writtenAt = 0;
  let waiting = false;
  const latenciesMs: number[] = [];
  const running = await variant.start(root, (path, change) => {
    if (!waiting || path !== file || change !== 'written') return;
    waiting = false;
    latenciesMs.push(performance.now() - writtenAt);
  });
  let missed = 0;
  for (let i = 0; i < WRITES; i++) {
    if (waiting) missed++;
    waiting = true;
    writtenAt = performance.now();
    await writeFile(file, `write ${i}`);
    await sleep(INTERVAL_MS);
  }
  await running.stop();
  await rm(root, { recursive: true, force: true });
  const result: LatencyResult = { variant: variant.name, latenciesMs, missed };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
