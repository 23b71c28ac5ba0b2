// A blocked event loop against a burst: `npm run bench -- file-overflow` (BENCH_RUNS=n, default 3).
// A child process watches a directory with fileSource and blocks its event loop while this process
// creates 50,000 files, then unblocks. Variants: the watch thread (default: events read on a
// thread of their own) and the calling thread (BATCHWATCH_WATCH_THREAD=0: the blocked thread reads
// its own inotify queue, which overflows and is read again). Printed: runs whose kernel queue
// overflowed, ms from unblocking to the last file reported (median), the child's peak RSS.
// Every run is a fresh child; variants are interleaved run by run.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { fmt, median, printTable } from '../support.ts';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const FILES = 50_000;
const variants: Readonly<Record<string, string>> = {
  thread: 'watch thread (default)',
  calling: 'calling thread (BATCHWATCH_WATCH_THREAD=0)',
};
const childScript = fileURLToPath(new URL('overflow-child.ts', import.meta.url));

interface Done {
  readonly ms: number;
  readonly overflows: number;
  readonly rssMiB: number;
}

function run(variant: string): Promise<Done> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-overflow-'));
  const root = join(dir, 'watched');
  mkdirSync(root);
  const marker = join(dir, 'unblock');
  const child = spawn(process.execPath, [childScript, root, marker, String(FILES)], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, BATCHWATCH_WATCH_THREAD: variant === 'calling' ? '0' : '' },
  });
  return new Promise<Done>((resolve, reject) => {
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`${variant} child exited with ${code}`));
    });
    createInterface({ input: child.stdout }).on('line', (text) => {
      const line = JSON.parse(text) as { type: string } & Done;
      if (line.type === 'ready') child.stdin.write('go\n');
      else if (line.type === 'blocking') {
        for (let i = 0; i < FILES; i++) writeFileSync(join(root, `f-${i}.txt`), 'x');
        writeFileSync(marker, '');
      } else if (line.type === 'done') {
        child.kill();
        rmSync(dir, { recursive: true, force: true });
        resolve(line);
      }
    });
  });
}

const results: Record<string, Done[]> = { thread: [], calling: [] };
for (let i = 0; i < RUNS; i++) {
  for (const variant of Object.keys(variants))
    (results[variant] as Done[]).push(await run(variant));
}
const rows = [
  ['variant', 'runs that overflowed', 'unblock -> all 50,000 (median)', 'peak RSS (median)'],
];
for (const [variant, label] of Object.entries(variants)) {
  const done = results[variant] as Done[];
  rows.push([
    label,
    `${done.filter((d) => d.overflows > 0).length} of ${done.length}`,
    `${fmt(median(done.map((d) => d.ms)))} ms`,
    `${fmt(median(done.map((d) => d.rssMiB)))} MiB`,
  ]);
}
printTable(rows);
