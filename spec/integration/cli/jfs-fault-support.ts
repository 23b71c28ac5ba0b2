// The JFS chain as deployed, for fault tests: a restartable redis-server of the test's own, the real
// `batchwatch daemon` and `batchwatch proxy` programs, an in-process jfsSource client, a writer that
// creates files at 40/s, and the "no silent loss" check.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, vi } from 'vitest';
import { Action } from '../../../lib/events/action.ts';
import type { Event } from '../../../lib/events/event.ts';
import { jfsSource } from '../../../lib/sources/jfs/jfs-source.ts';
import { type CliProcess, runCli, stopCli } from '../../support/cli-process.ts';
import { freePort, RestartableRedis } from '../../support/redis-server.ts';

/** Registers a cleanup with the spec's `cleanupAfterEach`. */
export type Cleanup = (cleanup: () => unknown) => void;

/** What a fault test runs: Redis, the daemon and proxy programs, a node dir, the mounts file. */
export interface Chain {
  readonly redis: RestartableRedis;
  readonly node: string;
  readonly mounts: string;
  startDaemon(): Promise<CliProcess>;
  /** A proxy program on `port` (a free one by default); resolves once it reads Redis. */
  startProxy(port?: number): Promise<{ cli: CliProcess; port: number }>;
}

/** A node directory and a mounts file mapping `default/web-0/app`'s `/data` to it, removed after the test. */
export async function nodeWithMounts(
  cleanup: Cleanup,
  prefix: string,
): Promise<{ node: string; mounts: string }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanup(() => rm(dir, { recursive: true, force: true }));
  const node = join(dir, 'node');
  await mkdir(node);
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
  return { node, mounts };
}

export async function chain(cleanup: Cleanup): Promise<Chain> {
  const { node, mounts } = await nodeWithMounts(cleanup, 'bw-faults-');
  const redis = new RestartableRedis(await freePort());
  await redis.start();
  cleanup(() => redis.kill());
  return {
    redis,
    node,
    mounts,
    startDaemon: async () => {
      const daemon = runCli(['daemon', '--redis', redis.addr]);
      cleanup(() => stopCli(daemon));
      await daemon.waitForStderr('batchwatch daemon: watching');
      return daemon;
    },
    startProxy: async (port) => {
      const listen = port ?? (await freePort());
      const proxy = runCli([
        'proxy',
        '--mounts',
        mounts,
        '--listen',
        `127.0.0.1:${listen}`,
        '--redis',
        redis.addr,
        '--debounce',
        '50',
      ]);
      cleanup(() => stopCli(proxy));
      await proxy.waitForStderr('redis ready');
      return { cli: proxy, port: listen };
    },
  };
}

/** SIGKILLs a program and waits for its end. */
export async function kill(cli: CliProcess): Promise<void> {
  cli.child.kill('SIGKILL');
  await cli.exit;
}

/** A jfsSource watching `/data` through `server`, collecting what it emits. */
export function watchData(
  server: string,
  cleanup: Cleanup,
): { events: Event[]; ready: Promise<void> } {
  const source = jfsSource({
    namespace: 'default',
    pod: 'web-0',
    container: 'app',
    name: 'faults',
    server,
    paths: ['/data'],
    retry: () => 20,
    env: {},
  });
  const events: Event[] = [];
  const subscription = source.subscribe({ next: (event) => events.push(event), error: () => {} });
  cleanup(() => subscription.unsubscribe());
  return { events, ready: source.ready() };
}

/** Creates `perSecond` files a second in `dir` (default 40) until stopped; remembers each name and when it existed. */
export function writer(
  dir: string,
  perSecond = 40,
): {
  created: { name: string; time: number }[];
  stop: () => Promise<void>;
} {
  const created: { name: string; time: number }[] = [];
  let stopped = false;
  const run = (async () => {
    for (let i = 0; !stopped; i++) {
      // The time before the file exists: a file whose creation began after a ForceReload was
      // made after it (the time after the write, on a busy test process, can be a second late and
      // would count a file its client re-listed as one it had to get).
      const time = Date.now();
      const next = time + 1000 / perSecond;
      await writeFile(join(dir, `f${i}.txt`), 'x');
      created.push({ name: `/data/f${i}.txt`, time });
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())));
    }
  })();
  return {
    created,
    stop: async () => {
      stopped = true;
      await run;
    },
  };
}

export const isReload = (event: Event): boolean => event.action === Action.ForceReload;

/**
 * The files the client silently lost: never delivered, and no ForceReload
 * came after they existed (a ForceReload tells the consumer to re-list, which
 * finds them).
 */
export function silentlyLost(
  created: readonly { name: string; time: number }[],
  events: readonly Event[],
): string[] {
  const delivered = new Set(
    events.filter((event) => !isReload(event)).map((event) => event.actorName),
  );
  const lastReload = Math.max(-1, ...events.filter(isReload).map((event) => event.time));
  return created
    .filter((file) => !delivered.has(file.name) && file.time > lastReload)
    .map((file) => file.name);
}

/** Files never delivered (whether a ForceReload covers them or not). */
export function undelivered(
  created: readonly { name: string }[],
  events: readonly Event[],
): string[] {
  const delivered = new Set(events.map((event) => event.actorName));
  return created.filter((file) => !delivered.has(file.name)).map((file) => file.name);
}

/** Waits until the client has received more than `count` events. */
export async function receives(client: { events: Event[] }, count: number): Promise<void> {
  await vi.waitFor(() => expect(client.events.length).toBeGreaterThan(count), { timeout: 10_000 });
}

/** Waits for a ForceReload beyond the `before` already seen, then for changes to flow again. */
export async function reloadedAndFlowing(
  client: { events: Event[] },
  before: number,
): Promise<void> {
  await vi.waitFor(() => expect(client.events.filter(isReload).length).toBeGreaterThan(before), {
    timeout: 15_000,
  });
  await receives(client, client.events.length + 5);
}

/** Stops the writer, then waits until no created file is silently lost. */
export async function stopWithoutSilentLoss(
  files: ReturnType<typeof writer>,
  client: { events: Event[] },
): Promise<void> {
  await files.stop();
  await vi.waitFor(() => expect(silentlyLost(files.created, client.events)).toEqual([]), {
    timeout: 15_000,
  });
}

/** Waits `ms` of the writer's time: the faults happen while files keep being created. */
export function during(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A stand-in for a Kubernetes Service in front of several proxies: each
 * client connection goes to the first backend that accepts it.
 */
export async function frontDoor(ports: readonly number[], cleanup: Cleanup): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    const attempt = (i: number): void => {
      if (i >= ports.length) {
        client.destroy();
        return;
      }
      const backend = createConnection({ host: '127.0.0.1', port: ports[i] as number });
      let connected = false;
      backend.once('error', () => {
        if (!connected) attempt(i + 1);
      });
      backend.once('connect', () => {
        connected = true;
        sockets.add(backend);
        backend.on('close', () => {
          sockets.delete(backend);
          client.destroy();
        });
        backend.on('error', () => {});
        client.on('close', () => backend.destroy());
        client.pipe(backend);
        backend.pipe(client);
      });
    };
    attempt(0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}
