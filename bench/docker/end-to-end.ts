// End to end: a docker CLI lifecycle burst (create, start, stop, rm of 20 containers, 4 at a time)
// to the last of its events in a batch flushed by an EventQueue (flushInterval 50 ms).
// `npx node bench/docker/end-to-end.ts` starts a private dockerd (spec/support/dockerd.ts) and
// removes it after; with DOCKER_HOST=unix:///path it uses that daemon instead (and imports the
// small busybox test image into it if missing).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Event, EventQueue } from '../../lib/index.ts';
import { dockerSource } from '../../lib/sources/docker/docker-source.ts';
import {
  docker,
  importBusyboxImage,
  lifecycleBurst,
  type PrivateDockerd,
  removeDockerd,
  startDockerd,
  testImage,
} from '../../spec/support/dockerd.ts';
import { fmt, median, percentile, printTable } from '../support.ts';

const RUNS = 5;
const CONTAINERS = 20;
const PARALLEL = 4;
const PER_CONTAINER = 6; // create, start, kill, die, stop, destroy

async function connect(): Promise<{
  daemon: PrivateDockerd;
  stop: () => Promise<void>;
  note: string;
}> {
  const host = process.env['DOCKER_HOST'];
  if (host !== undefined && host !== '') {
    if (!host.startsWith('unix://'))
      throw new Error('DOCKER_HOST must be unix:///path/to/docker.sock');
    // `dir` only holds the image's rootfs while importing it.
    const dir = await mkdtemp(join(tmpdir(), 'bwbench-'));
    const daemon: PrivateDockerd = { dir, socketPath: host.slice('unix://'.length), host };
    if ((await docker(daemon, ['images', '-q', testImage])).trim() === '')
      await importBusyboxImage(daemon);
    const stop = () => rm(dir, { recursive: true, force: true });
    return { daemon, stop, note: `DOCKER_HOST ${host}` };
  }
  const started = performance.now();
  const daemon = await startDockerd();
  await importBusyboxImage(daemon);
  const note = `private dockerd, started and image imported in ${fmt(performance.now() - started)} ms`;
  return { daemon, stop: () => removeDockerd(daemon), note };
}

interface Result {
  burstMs: number;
  lagMs: number;
  received: number;
  missing: number;
  latencies: number[];
}

async function measure(daemon: PrivateDockerd, run: string): Promise<Result> {
  const expected = CONTAINERS * PER_CONTAINER;
  const latencies: number[] = [];
  // Distinct (action, container) pairs: a duplicate cannot hide a missing event.
  const seen = new Set<string>();
  let lastFlushAt = 0;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const queue = new EventQueue({
    flushInterval: 50,
    onFlush: (batch: readonly Event[]) => {
      const now = Date.now();
      for (const event of batch) {
        latencies.push(now - event.time);
        seen.add(`${event.action}:${event.actorId}`);
      }
      lastFlushAt = performance.now();
      if (seen.size >= expected) resolveDone();
    },
  });
  const source = dockerSource({
    docker: { socketPath: daemon.socketPath },
    labels: [`bench=${run}`],
  });
  queue.start(source);
  await source.ready();
  const start = performance.now();
  await lifecycleBurst(daemon, `bench=${run}`, `bench-${run}`, CONTAINERS, PARALLEL);
  const burstEnd = performance.now();
  await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  await queue.drain();
  return {
    burstMs: burstEnd - start,
    lagMs: lastFlushAt - burstEnd,
    received: seen.size,
    missing: expected - seen.size,
    latencies,
  };
}

const { daemon, stop, note } = await connect();
try {
  const results: Result[] = [];
  for (let run = 0; run < RUNS; run++)
    results.push(await measure(daemon, `r${process.pid}-${run}`));
  const latencies = results.flatMap((r) => r.latencies);
  console.log(
    `${note}; ${CONTAINERS} containers x 4 CLI steps, ${PARALLEL} at a time, ${RUNS} runs`,
  );
  printTable([
    ['measure', 'median', 'min', 'max'],
    ...(
      [
        ['burst duration (ms)', results.map((r) => r.burstMs)],
        ['last CLI command -> last event flushed (ms)', results.map((r) => r.lagMs)],
        [`events received (of ${CONTAINERS * PER_CONTAINER})`, results.map((r) => r.received)],
        ['events missing', results.map((r) => r.missing)],
      ] as const
    ).map(([name, values]) => [
      name,
      fmt(median(values), 1),
      fmt(Math.min(...values), 1),
      fmt(Math.max(...values), 1),
    ]),
  ]);
  console.log(
    `daemon timestamp -> flushed, per event (ms, flushInterval 50): p50 ${percentile(latencies, 50)}, ` +
      `p99 ${percentile(latencies, 99)}, max ${Math.max(...latencies)}`,
  );
  if (results.some((r) => r.missing !== 0)) process.exitCode = 1;
} finally {
  await stop();
}
