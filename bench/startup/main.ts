// Start-up cost of the package as users load it (the built dist/, through the exports map).
// `npx node bench/startup/main.ts` measures, in one run, 5 interleaved rounds of fresh processes:
// - bare `node -e 0`, `import('rxjs') + import('chokidar')` (all that a queue and a file source
//   need), `import('batchwatch')` and the other entry points: wall time, CPU time and RSS. Goal:
//   import('batchwatch') costs at most 1.3x what rxjs + chokidar cost over a bare start.
// - `batchwatch --version` against a bare start. Goal: under 1.5x.
// - `batchwatch proxy` idle RSS, with a private redis-server, against an idle bare node, as shipped
//   and with V8's defaults at start, before and after a burst of traffic, and once at rest after it
//   (bench/startup/proxy-idle.ts).
//   Goal: < 60 MB.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, median, printTable } from '../support.ts';
import { measureProxies, type ProxyRun, SETTLED_MS } from './proxy-idle.ts';

const RUNS = 5;
const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist', 'cli', 'main.js');
// Measure what `npm run build` makes of the current sources.
spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });

/**
 * Every child reports, as it exits, its CPU time (user + system, all threads) and RSS on the last
 * line of stderr. CPU time is the steadier measure on a busy machine; wall time is what a user
 * waits. Both are shown, and both ratios.
 */
const report =
  "data:text/javascript,process.on('exit',()=>{const u=process.cpuUsage();" +
  "process.stderr.write('\\n'+JSON.stringify({cpu:(u.user+u.system)/1000,rss:process.memoryUsage().rss}))})";
const importing = (...specifiers: string[]): string[] => [
  '--input-type=module',
  '-e',
  specifiers.map((s) => `await import('${s}');`).join(' '),
];
const variants: Record<string, string[]> = {
  'bare node': ['-e', '0'],
  'rxjs + chokidar': importing('rxjs', 'chokidar'),
  batchwatch: importing('batchwatch'),
  'batchwatch/testing': importing('batchwatch/testing'),
  'batchwatch/jfs': importing('batchwatch/jfs'),
  'batchwatch/docker': importing('batchwatch/docker'),
  'batchwatch --version': [cli, '--version'],
};
interface Sample {
  readonly wall: number;
  readonly cpu: number;
  readonly rss: number;
}

function measure(args: readonly string[]): Sample {
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--import', report, ...args], {
    cwd: root,
    encoding: 'utf8',
  });
  const wall = performance.now() - started;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${result.stderr}`);
  const { cpu, rss } = JSON.parse(result.stderr.trim().split('\n').pop() ?? '{}') as {
    cpu: number;
    rss: number;
  };
  return { wall, cpu, rss };
}

const names = Object.keys(variants);
const samples: Record<string, Sample[]> = Object.fromEntries(names.map((name) => [name, []]));
for (let run = 0; run < RUNS; run++) {
  for (const [name, args] of Object.entries(variants)) samples[name]?.push(measure(args));
}
const med = (name: string, key: keyof Sample): number =>
  median((samples[name] ?? []).map((sample) => sample[key]));
const over = (name: string, key: 'wall' | 'cpu'): number => med(name, key) - med('bare node', key);
const mb = (bytes: number): string => fmt(bytes / 2 ** 20, 1);

const rows: string[][] = [
  ['process', 'wall ms', 'over bare', 'CPU ms', 'over bare', 'ratio wall / CPU', 'RSS MB', 'goal'],
];
for (const name of names) {
  const version = name === 'batchwatch --version';
  const ratio = (key: 'wall' | 'cpu'): string =>
    fmt(
      version
        ? med(name, key) / med('bare node', key)
        : over(name, key) / over('rxjs + chokidar', key),
      2,
    );
  rows.push([
    name,
    fmt(med(name, 'wall'), 1),
    fmt(over(name, 'wall'), 1),
    fmt(med(name, 'cpu'), 1),
    fmt(over(name, 'cpu'), 1),
    name === 'bare node' || name === 'rxjs + chokidar'
      ? ''
      : `${ratio('wall')}x / ${ratio('cpu')}x ${version ? 'bare' : 'rxjs+chokidar'}`,
    mb(med(name, 'rss')),
    name === 'batchwatch' ? '<= 1.3x' : version ? '< 1.5x' : '',
  ]);
}
printTable(rows);
console.log(
  'ratios: an entry point over bare, against rxjs + chokidar over bare; --version against bare',
);

// Idle RSS: `batchwatch proxy` connected to a private redis-server, against an idle bare node.
const { bare, proxies } = await measureProxies(root, cli, RUNS);
const proxyRows = Object.entries(proxies).map(([name, runs]) => {
  const of = (key: keyof ProxyRun): number => median(runs.map((run) => run[key]));
  return [
    name,
    mb(of('idleRss')),
    mb(Math.min(...runs.map((run) => run.idleRss))),
    mb(Math.max(...runs.map((run) => run.idleRss))),
    mb(of('idleRssAfterBurst')),
    mb(of('idleRssSettled')),
    fmt(of('eventsPerSecond')),
    fmt(of('cpuPer100k'), 3),
    name === 'batchwatch proxy' ? '< 60' : '',
  ];
});
console.log('');
printTable([
  [
    'idle process',
    'RSS MB',
    'min',
    'max',
    'after burst',
    `${fmt(SETTLED_MS / 1000, 1)} s later`,
    'burst events/s',
    'CPU s/100k',
    'goal',
  ],
  ['bare node', mb(median(bare)), mb(Math.min(...bare)), mb(Math.max(...bare)), '', '', '', '', ''],
  ...proxyRows,
]);
console.log(
  `idle RSS: the largest of 10 samples over 1 s, median of ${RUNS} runs; burst: 100,000 events to one raw client (pub/sub)`,
);
