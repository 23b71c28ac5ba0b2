import { filter, firstValueFrom } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { JfsProxy } from '../../../lib/jfs-proxy/jfs-proxy.ts';
import { UnmappedWatchError } from '../../../lib/jfs-proxy/proxy-errors.ts';
import { FsWatcherKeeper } from '../../../lib/kubernetes/fs-watcher-keeper.ts';
import { FsWatcherNameError } from '../../../lib/kubernetes/kubernetes-errors.ts';
import { KubernetesMountResolver } from '../../../lib/kubernetes/kubernetes-mount-resolver.ts';
import { JfsWatcher } from '../../../lib/sources/jfs/jfs-watcher.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { appPod } from '../../support/kube-objects.ts';
import { redisAddr, uniqueChannel } from '../jfs-proxy/support.ts';
import { startApi } from './support.ts';

const cleanup = cleanupAfterEach();
const ns = 'user-space-alice';

async function setup() {
  const { api, client } = await startApi(cleanup);
  api.putPod(
    appPod({
      namespace: ns,
      name: 'files-0',
      container: 'files',
      node: 'olares-node-1',
      podIPs: ['127.0.0.1'],
      volumes: [
        { name: 'home', hostPath: '/olares/rootfs/alice', type: 'Directory', mountPath: '/data' },
        { name: 'conf', hostPath: '/etc/olares/app.conf', type: 'File', mountPath: '/conf' },
      ],
    }),
  );
  const mounts = new KubernetesMountResolver(client);
  const watchers = new FsWatcherKeeper(client);
  const proxy = await JfsProxy.start({
    mounts,
    watchers,
    listen: '127.0.0.1:0',
    redisAddr: redisAddr(),
    channel: uniqueChannel(),
    env: {},
  });
  // Clients that connect before the proxy reads Redis are resynced (disconnected) once it does.
  await proxy.subscribed();
  cleanup(async () => {
    await proxy.close();
    await watchers.close();
    mounts.close();
  });
  const watcher = (name: string, paths: string[]) => {
    const client = new JfsWatcher({
      server: proxy.address,
      namespace: ns,
      pod: 'files-0',
      container: 'files',
      name,
      paths,
      env: {},
    });
    cleanup(() => client.close());
    return client;
  };
  return { api, proxy, watchers, watcher };
}

describe('JfsProxy in Kubernetes mode (official client, test API server, real Redis)', () => {
  it('warns about a watcher name that cannot be a resource name, and keeps serving that client', async () => {
    const { api, proxy, watcher } = await setup();
    const warning = firstValueFrom(
      proxy.warnings$.pipe(filter((w) => w instanceof FsWatcherNameError)),
    );
    const bad = watcher('my_watcher', ['/data']);
    expect((await warning).message).toMatch(
      /Channel "user-space-alice\/files-0\/files\/my_watcher" of client 127\.0\.0\.1:\d+: "files-0-files-my_watcher" is not a valid FSWatcher name/,
    );
    const good = watcher('good', ['/data']);
    await vi.waitFor(() => expect(api.fsWatcher(ns, 'files-0-files-good')).toBeDefined());
    expect(proxy.stats().connections).toBe(2);
    expect(proxy.stats().watchedPaths).toBe(1);
    expect(api.fsWatchers()).toHaveLength(1);
    await bad.close();
    await good.close();
    await vi.waitFor(() => expect(api.fsWatchers()).toEqual([]));
  });

  it('maps only through directory hostPaths: a File volume or a missing pod is an unmapped watch', async () => {
    const { api, proxy, watcher } = await setup();
    const unmapped: UnmappedWatchError[] = [];
    proxy.warnings$.subscribe((w) => {
      if (w instanceof UnmappedWatchError) unmapped.push(w);
    });
    watcher('w', ['/conf', '/database']);
    await vi.waitFor(() => expect(unmapped).toHaveLength(2));
    expect(unmapped.map((w) => w.path)).toEqual(['/conf', '/database']);
    expect(api.fsWatchers()).toEqual([]);
    const ghost = new JfsWatcher({
      server: proxy.address,
      namespace: ns,
      pod: 'gone-0',
      container: 'files',
      name: 'w',
      paths: ['/data'],
      env: {},
    });
    cleanup(() => ghost.close());
    await vi.waitFor(() => expect(unmapped).toHaveLength(3));
    expect(unmapped[2]?.channelId).toBe(`${ns}/gone-0/files/w`);
    // Advice for Kubernetes mode, not the mounts file's.
    expect(unmapped[2]?.message).toBe(
      `WATCH for channel "${ns}/gone-0/files/w" dropped: no container with that namespace, pod and name is known. Check the client's NAMESPACE, POD_NAME and CONTAINER_NAME: the API server has no such pod, or the pod no such container.`,
    );
  });

  it('drops a WATCH whose pod lookup is forbidden with the request, status, server message and permission', async () => {
    const { api, proxy, watcher } = await setup();
    api.deny('list', 'pods');
    const dropped = firstValueFrom(
      proxy.warnings$.pipe(filter((w) => w instanceof UnmappedWatchError)),
    );
    watcher('w', ['/data']);
    const { message } = await dropped;
    expect(message).toContain(
      `WATCH for channel "${ns}/files-0/files/w" dropped: the mount lookup failed: Kubernetes API: list pods failed: GET /api/v1/namespaces/${ns}/pods?fieldSelector=metadata.name%3Dfiles-0 answered HTTP 403 Forbidden: pods is forbidden: User `,
    );
    expect(message).toContain('Grant verb "list" on resource "pods" of API group ""');
    expect(message).not.toMatch(
      /Unknown API Status Code|HTTP-Code|Add the container to the mounts|MountResolver/,
    );
  });
});
