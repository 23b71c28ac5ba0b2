// Starts the real components integration specs need, on private sockets and ports, and stops them:
// a private dockerd with the busybox test image, and a private redis-server. Specs read where they
// are with `inject('dockerDir' | 'dockerSocket' | 'dockerImage' | 'redisPort')`.
import type { TestProject } from 'vitest/node';
import {
  importBusyboxImage,
  type PrivateDockerd,
  removeDockerd,
  startDockerd,
  startWatchdog,
  testImage,
} from '../support/dockerd.ts';
import { type PrivateRedis, startRedis, stopRedis } from '../support/redis-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The private dockerd's temp dir (for `attachDockerd`, `killDockerd`, `restartDockerd`). */
    dockerDir: string;
    /** The private dockerd's API socket path. */
    dockerSocket: string;
    /** The imported busybox image every test container runs. */
    dockerImage: string;
    /** The private redis-server's port on 127.0.0.1. */
    redisPort: number;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = performance.now();
  let daemon: PrivateDockerd | undefined;
  let redis: PrivateRedis | undefined;
  let watchdog: { stop(): void } | undefined;
  const teardown = async (): Promise<void> => {
    watchdog?.stop();
    await Promise.all([
      daemon === undefined ? undefined : removeDockerd(daemon),
      redis === undefined ? undefined : stopRedis(redis),
    ]);
    // Silent: the run's closing line (`N passed, N failed`) stays the last one printed.
  };
  try {
    // Both start at once; a missing binary rejects with the install hint, never a silent skip.
    const [startedDaemon, startedRedis] = await Promise.allSettled([
      startDockerd().then(async (d) => {
        daemon = d;
        const up = ms(started);
        const importing = performance.now();
        await importBusyboxImage(d);
        return `dockerd up in ${up}, image imported in ${ms(importing)}`;
      }),
      startRedis().then((r) => {
        redis = r;
        return `redis up in ${ms(started)}`;
      }),
    ]);
    for (const result of [startedDaemon, startedRedis]) {
      if (result.status === 'rejected') throw result.reason;
      console.log(`[global-setup] ${result.value}`);
    }
  } catch (err) {
    await teardown();
    throw err;
  }
  const d = daemon as PrivateDockerd;
  const r = redis as PrivateRedis;
  // The daemons are detached: if this run is killed before its teardown, the watchdog stops them.
  watchdog = startWatchdog({
    parentPid: process.pid,
    dockerDirs: [d.dir],
    processes: [{ pid: r.pid, dir: r.dir }],
  });
  project.provide('dockerDir', d.dir);
  project.provide('dockerSocket', d.socketPath);
  project.provide('dockerImage', testImage);
  project.provide('redisPort', r.port);
  console.log(
    `[global-setup] private dockerd ${d.socketPath}, redis 127.0.0.1:${r.port}: ready in ${ms(started)}`,
  );
  return teardown;
}

function ms(since: number): string {
  return `${Math.round(performance.now() - since)} ms`;
}
