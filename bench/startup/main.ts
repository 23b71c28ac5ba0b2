// Start-up cost of the package as users load it (the built dist/, through the exports map).
// `npx node bench/startup/main.ts` measures, in one run, 5 interleaved rounds of fresh processes:
// - bare `node -e 0`, `import('rxjs') + import('chokidar')` (all that a queue and a file source
//   need), `import('batchwatch')` and the other entry points: wall time and RSS. Goal:
//   import('batchwatch') costs at most 1.3x what rxjs + chokidar cost over a bare start.
// - `batchwatch --version` against a bare start. Goal: under 1.5x.
// - `batchwatch proxy` idle RSS, with a private redis-server, against an idle bare node. Goal: < 60 MB.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedis, stopRedis } from '../../spec/support/redis-server.ts';
import { fmt, median, printTable } from '../support.ts';

const RUNS = 5;
const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist', 'cli', 'main.js');
if (!existsSync(cli)) spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });

/** A child that prints its RSS once it has done its work; its wall time is measured from spawn. */
const importing = (...specifiers: string[]): string[] => [
  '--input-type=module',
  '-e',
  `${specifiers.map((s) => `await import('${s}');`).join(' ')} console.log(process.memoryUsage().rss);`,
];
const variants: Record<string, string[]> = {
  'bare node': ['-e', 'console.log(process.memoryUsage().rss)'],
  'rxjs + chokidar': importing('rxjs', 'chokidar'),
  batchwatch: importing('batchwatch'),
  'batchwatch/testing': importing('batchwatch/testing'),
  'batchwatch/jfs': importing('batchwatch/jfs'),
  'batchwatch/docker': importing('batchwatch/docker'),
  'batchwatch --version': [cli, '--version'],
};

function measure(args: readonly string[]): { ms: number; rss: number } {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${result.stderr}`);
  return { ms, rss: Number(result.stdout.trim()) };
}

const names = Object.keys(variants);
const times: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
const rss: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
for (let run = 0; run < RUNS; run++) {
  for (const [name, args] of Object.entries(variants)) {
    const { ms, rss: bytes } = measure(args);
    times[name]?.push(ms);
    if (!Number.isNaN(bytes)) rss[name]?.push(bytes);
  }
}
const bare = median(times['bare node'] ?? []);
const over = (name: string): number => median(times[name] ?? []) - bare;
const rxjsChokidar = over('rxjs + chokidar');
const mb = (bytes: number): string => fmt(bytes / 2 ** 20, 1);

const rows: string[][] = [
  ['process', 'wall ms (median)', 'over bare ms', 'ratio', 'RSS MB', 'goal'],
];
for (const name of Object.keys(variants)) {
  const version = name === 'batchwatch --version';
  const ratio = version ? median(times[name] ?? []) / bare : over(name) / rxjsChokidar;
  rows.push([
    name,
    fmt(median(times[name] ?? []), 1),
    fmt(over(name), 1),
    name === 'bare node' || name === 'rxjs + chokidar'
      ? ''
      : `${fmt(ratio, 2)}x ${version ? 'bare' : 'rxjs+chokidar'}`,
    rss[name]?.length ? mb(median(rss[name])) : '',
    name === 'batchwatch' ? '<= 1.3x' : version ? '< 1.5x' : '',
  ]);
}
printTable(rows);

// Idle RSS: `batchwatch proxy` connected to a private redis-server, against an idle bare node.
const redis = await startRedis();
const dir = mkdtempSync(join(tmpdir(), 'batchwatch-bench-'));
const mounts = join(dir, 'mounts.json');
writeFileSync(mounts, '[]');

/** VmRSS of a process, in bytes (Linux). */
const rssOf = (pid: number): number =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;

/** Starts a child, waits for `ready` on its stderr, samples its RSS while idle, stops it. */
async function idleRss(args: readonly string[], ready: string): Promise<number> {
  const child: ChildProcess = spawn(process.execPath, args, { cwd: root, stdio: 'pipe' });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes(ready)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  // Idle for a second after ready: the largest RSS seen, as `ps` would show it.
  let largest = 0;
  for (let i = 0; i < 10; i++) {
    largest = Math.max(largest, rssOf(child.pid ?? 0));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.removeAllListeners('exit');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  return largest;
}

const idle: Record<string, number[]> = { 'bare node (idle)': [], 'batchwatch proxy (idle)': [] };
try {
  for (let run = 0; run < RUNS; run++) {
    idle['bare node (idle)']?.push(
      await idleRss(['-e', "process.stderr.write('ready'); setInterval(() => {}, 1e6)"], 'ready'),
    );
    idle['batchwatch proxy (idle)']?.push(
      await idleRss(
        [
          cli,
          'proxy',
          '--mounts',
          mounts,
          '--listen',
          '127.0.0.1:0',
          '--redis',
          `127.0.0.1:${redis.port}`,
        ],
        'redis ready',
      ),
    );
  }
} finally {
  await stopRedis(redis);
  rmSync(dir, { recursive: true, force: true });
}
console.log('');
printTable([
  ['process', 'idle RSS MB (median)', 'min', 'max', 'goal'],
  ...Object.entries(idle).map(([name, values]) => [
    name,
    mb(median(values)),
    mb(Math.min(...values)),
    mb(Math.max(...values)),
    name.startsWith('batchwatch') ? '< 60' : '',
  ]),
]);
