// What one hostile client costs: a real `batchwatch proxy` and `batchwatch daemon` (following the
// proxy's registry) on a private redis-server; one TCP connection sends 10 WATCH frames of 4,000
// paths that do not exist under its own mount, then leaves. Resident memory (RSS) of both
// programs: before, at the peak, 3 s after the client left, and at the peak of a second client
// doing the same (memory given back is reused: no growth from one flood to the next); the
// proxy's per-connection limit at its default (256) and at 1,024 in the same run, 3 runs each,
// medians.
// `npm run bench -- watch-flood`.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { encodeMessage } from '../../lib/jfs-protocol/encode-message.ts';
import { MessageType } from '../../lib/jfs-protocol/message-type.ts';
import { freePort, startRedis, stopRedis } from '../../spec/support/redis-server.ts';
import { fmt, median, printTable } from '../support.ts';

const FRAMES = 10;
const PATHS = 4000;
const RUNS = 3;
const bin = fileURLToPath(new URL('../../lib/cli/bin.ts', import.meta.url));

const rss = (pid: number): number =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function program(args: string[]): { child: ChildProcess; stderr: () => string } {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  return { child, stderr: () => err };
}

async function registered(redis: Redis): Promise<number> {
  let total = 0;
  for (const key of await redis.keys('jfsnotify:watches:*')) total += await redis.scard(key);
  return total;
}

interface Sample {
  readonly before: [number, number];
  readonly peak: [number, number];
  readonly after: [number, number];
  readonly again: [number, number];
}

async function once(maxWatches: number): Promise<Sample> {
  const server = await startRedis();
  const redis = new Redis({ port: server.port, lazyConnect: true });
  await redis.connect();
  const dir = await mkdtemp(join(tmpdir(), 'bw-flood-'));
  const node = join(dir, 'data');
  await mkdir(join(node, 'probe'), { recursive: true });
  const mounts = join(dir, 'mounts.json');
  await writeFile(
    mounts,
    JSON.stringify([
      {
        namespace: 'default',
        pod: 'web-0',
        container: 'app',
        mounts: [{ mountPath: '/data', hostPath: node }],
      },
    ]),
  );
  const port = await freePort();
  const addr = `127.0.0.1:${server.port}`;
  const proxy = program([
    'proxy',
    '--mounts',
    mounts,
    '--listen',
    `127.0.0.1:${port}`,
    '--redis',
    addr,
    '--max-watches',
    String(maxWatches),
  ]);
  const daemon = program(['daemon', '--redis', addr]);
  try {
    await until(() => proxy.stderr().includes('redis ready'), 'the proxy');
    await until(() => daemon.stderr().includes('those proxies register'), 'the daemon');
    await sleep(1000);
    const pids = [proxy.child.pid as number, daemon.child.pid as number] as const;
    const before: [number, number] = [rss(pids[0]), rss(pids[1])];
    let probes = 0;
    const flood = async (): Promise<[number, number]> => {
      const peak: [number, number] = [rss(pids[0]), rss(pids[1])];
      const sampler = setInterval(() => {
        try {
          peak[0] = Math.max(peak[0], rss(pids[0]));
          peak[1] = Math.max(peak[1], rss(pids[1]));
        } catch (err) {
          clearInterval(sampler);
          console.error(
            `a program ended: ${(err as Error).message}\n${proxy.stderr()}\n${daemon.stderr()}`,
          );
        }
      }, 20);
      const socket: Socket = createConnection({ host: '127.0.0.1', port });
      await new Promise<void>((resolve) => socket.once('connect', resolve));
      let received = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
      });
      const channelId = 'default/web-0/app/flood';
      for (let frame = 0; frame < FRAMES; frame++) {
        const paths = Array.from({ length: PATHS }, (_, i) => `/data/missing-${frame}-${i}/x`);
        await new Promise((resolve) =>
          socket.write(encodeMessage({ type: MessageType.Watch, channelId, paths }), resolve),
        );
      }
      const expected = Math.min(maxWatches, FRAMES * PATHS);
      await until(async () => (await registered(redis)) === expected, 'the registry');
      socket.write(
        encodeMessage({ type: MessageType.Unwatch, channelId, paths: ['/data/missing-0-0/x'] }),
      );
      socket.write(encodeMessage({ type: MessageType.Watch, channelId, paths: ['/data/probe'] }));
      // The daemon applied the flood when a change in the probe directory reaches the client.
      // A new file each time: a Create goes out at once (a Write would wait for the debounce).
      let tries = 0;
      await until(async () => {
        await writeFile(join(node, 'probe', `p-${probes}-${tries++}.txt`), 'x');
        await sleep(100);
        return received.includes(`/data/probe/p-${probes}-`);
      }, 'the probe event');
      probes++;
      await sleep(500);
      clearInterval(sampler);
      socket.destroy();
      await until(async () => (await registered(redis)) === 0, 'the registry to empty');
      await sleep(3000);
      return peak;
    };
    const peak = await flood();
    const after: [number, number] = [rss(pids[0]), rss(pids[1])];
    const again = await flood();
    return { before, peak, after, again };
  } finally {
    proxy.child.kill('SIGKILL');
    daemon.child.kill('SIGKILL');
    redis.disconnect();
    await stopRedis(server);
    await rm(dir, { recursive: true, force: true });
  }
}

const MB = 1e6;
const rows: string[][] = [
  [
    '--max-watches',
    'proxy before',
    'proxy peak',
    'proxy after',
    'daemon before',
    'daemon peak',
    'daemon after',
    'proxy, daemon peak again',
    'growth at peak, both',
  ],
];
for (const maxWatches of [256, 1024]) {
  const samples: Sample[] = [];
  for (let run = 0; run < RUNS; run++) samples.push(await once(maxWatches));
  const m = (pick: (s: Sample) => number): number => median(samples.map(pick)) / MB;
  rows.push([
    fmt(maxWatches),
    fmt(
      m((s) => s.before[0]),
      1,
    ),
    fmt(
      m((s) => s.peak[0]),
      1,
    ),
    fmt(
      m((s) => s.after[0]),
      1,
    ),
    fmt(
      m((s) => s.before[1]),
      1,
    ),
    fmt(
      m((s) => s.peak[1]),
      1,
    ),
    fmt(
      m((s) => s.after[1]),
      1,
    ),
    `${fmt(
      m((s) => s.again[0]),
      1,
    )}, ${fmt(
      m((s) => s.again[1]),
      1,
    )}`,
    fmt(
      m((s) => s.peak[0] - s.before[0] + s.peak[1] - s.before[1]),
      1,
    ),
  ]);
}
console.log(
  `\nRSS (MB) of batchwatch proxy and daemon under one client sending ${FRAMES} WATCH frames of ${fmt(PATHS)} missing paths (medians of ${RUNS} runs)\n`,
);
printTable(rows);
