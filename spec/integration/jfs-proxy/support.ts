// Shared pieces of the proxy/daemon specs: temp node dirs, a proxy and a daemon on the private Redis,
// clients, and raw sockets that speak bytes.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject, vi } from 'vitest';
import type { Event } from '../../../lib/events/event.ts';
import { JfsDaemon } from '../../../lib/jfs-daemon/jfs-daemon.ts';
import type { JfsDaemonOptions } from '../../../lib/jfs-daemon/jfs-daemon-options.ts';
import { JfsProxy } from '../../../lib/jfs-proxy/jfs-proxy.ts';
import type { JfsProxyOptions } from '../../../lib/jfs-proxy/jfs-proxy-options.ts';
import type { PodMount } from '../../../lib/jfs-proxy/mount-table.ts';
import {
  type ContainerMounts,
  StaticMountResolver,
} from '../../../lib/jfs-proxy/static-mount-resolver.ts';
import type { EventSource } from '../../../lib/sources/event-source.ts';
import { jfsSource } from '../../../lib/sources/jfs/jfs-source.ts';

export const pod = { namespace: 'default', pod: 'web-0', container: 'app' } as const;

/** A fresh node directory and a container whose `/data` is it. */
export async function nodeDir(): Promise<{
  dir: string;
  mounts: PodMount[];
  cleanup: () => Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-node-'));
  await mkdir(join(dir, 'data'));
  return {
    dir: join(dir, 'data'),
    mounts: [{ mountPath: '/data', hostPath: join(dir, 'data') }],
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** A channel of its own per spec, so that parallel specs sharing the private Redis stay apart. */
export function uniqueChannel(): string {
  return `jfsnotify-test-${Math.random().toString(36).slice(2, 10)}`;
}

export const redisAddr = (): string => `127.0.0.1:${inject('redisPort')}`;

/** A proxy on a free port of 127.0.0.1 for `pod` with `mounts` (or for the containers given). */
export async function startProxy(
  mounts: readonly PodMount[] | readonly ContainerMounts[],
  options: Partial<JfsProxyOptions> & { channel: string },
): Promise<JfsProxy> {
  const entries = mounts
    .map((entry) => ('mountPath' in entry ? undefined : entry))
    .filter((entry) => entry !== undefined);
  const proxy = await JfsProxy.start({
    mounts: new StaticMountResolver(
      entries.length > 0 ? entries : [{ ...pod, mounts: mounts as PodMount[] }],
    ),
    listen: '127.0.0.1:0',
    redisAddr: redisAddr(),
    env: {},
    ...options,
  });
  await proxy.subscribed();
  return proxy;
}

export function startDaemon(options: JfsDaemonOptions & { channel: string }): Promise<JfsDaemon> {
  return JfsDaemon.start({ redisAddr: redisAddr(), resyncInterval: 500, env: {}, ...options });
}

/** A jfsSource client of the proxy for `paths`, with fast reconnects, collecting its events. */
export function client(
  server: string,
  paths: string[],
  name = 'test',
): { source: EventSource; events: Event[]; stop: () => void } {
  const source = jfsSource({ ...pod, server, paths, name, retry: () => 20, env: {} });
  const events: Event[] = [];
  const subscription = source.subscribe({ next: (event) => events.push(event), error: () => {} });
  return { source, events, stop: () => subscription.unsubscribe() };
}

/** Waits until the daemon watches `path` (the proxy registered it and the daemon re-read). */
export async function daemonWatches(daemon: JfsDaemon, path: string): Promise<void> {
  await vi.waitFor(
    () => {
      if (!daemon.watchList().includes(path))
        throw new Error(`daemon does not watch ${path} yet: ${daemon.watchList()}`);
    },
    { timeout: 10_000, interval: 20 },
  );
}

/** A raw TCP client: sends bytes, collects what comes back, knows when it was closed. */
export async function rawClient(
  address: string,
): Promise<{ socket: Socket; received: () => Buffer; closed: () => boolean }> {
  const [host, port] = address.split(/:(?=\d+$)/) as [string, string];
  const socket = createConnection({ host, port: Number(port) });
  const chunks: Buffer[] = [];
  let closed = false;
  socket.on('data', (chunk) => chunks.push(chunk));
  socket.on('close', () => {
    closed = true;
  });
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => Buffer.concat(chunks), closed: () => closed };
}
