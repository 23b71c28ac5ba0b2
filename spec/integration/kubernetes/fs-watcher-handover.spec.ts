// Issue 25: clients that reconnect during a proxy's start-up resync must not lose their FSWatcher to
// the DELETE of the proxy they left. Real proxies and Redis servers, JFS clients, test API server.
import { describe, expect, it, vi } from 'vitest';
import { JfsProxy } from '../../../lib/jfs-proxy/jfs-proxy.ts';
import { FsWatcherKeeper } from '../../../lib/kubernetes/fs-watcher-keeper.ts';
import { KubernetesMountResolver } from '../../../lib/kubernetes/kubernetes-mount-resolver.ts';
import { JfsWatcher } from '../../../lib/sources/jfs/jfs-watcher.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { appPod } from '../../support/kube-objects.ts';
import { freePort, RestartableRedis } from '../../support/redis-server.ts';
import { redisAddr, uniqueChannel } from '../jfs-proxy/support.ts';
import { startApi } from './support.ts';

const cleanup = cleanupAfterEach();
const ns = 'user-space-alice';
const watchers = ['w0', 'w1', 'w2', 'w3', 'w4'];

describe('FSWatchers across a proxy hand-over (two proxies, one API server)', () => {
  it('keeps the FSWatchers of clients that reconnected to a new proxy during its start-up resync when the old proxy lets go', async () => {
    const { api, client } = await startApi(cleanup);
    api.putPod(
      appPod({
        namespace: ns,
        name: 'files-0',
        container: 'files',
        node: 'olares-node-1',
        podIPs: ['127.0.0.1'],
        volumes: [
          { name: 'home', hostPath: '/olares/alice', type: 'Directory', mountPath: '/data' },
        ],
      }),
    );
    const startProxy = async (redis: string) => {
      const mounts = new KubernetesMountResolver(client);
      const keeper = new FsWatcherKeeper(client);
      const proxy = await JfsProxy.start({
        mounts,
        watchers: keeper,
        listen: '127.0.0.1:0',
        redisAddr: redis,
        channel: uniqueChannel(),
        env: {},
      });
      cleanup(async () => {
        await proxy.close();
        await keeper.close();
        await mounts.close();
      });
      return { proxy, keeper };
    };
    const clients = (proxy: JfsProxy) =>
      watchers.map((name) => {
        const watcher = new JfsWatcher({
          server: proxy.address,
          namespace: ns,
          pod: 'files-0',
          container: 'files',
          name,
          paths: ['/data'],
          retry: () => 20,
          env: {},
        });
        cleanup(() => watcher.close());
        return watcher;
      });
    const allThere = () =>
      watchers.map((name) => api.fsWatcher(ns, `files-0-files-${name}`)?.['spec'] ?? null);
    const wanted = watchers.map(() => expect.objectContaining({ paths: ['/olares/alice'] }));

    // The old proxy serves the clients.
    const old = await startProxy(redisAddr());
    await old.proxy.subscribed();
    const leaving = clients(old.proxy);
    await vi.waitFor(() => expect(allThere()).toEqual(wanted));
    await old.keeper.settled();

    // The new proxy starts while its Redis is not up yet: the clients that moved to it are served
    // at once, then disconnected by its start-up resync when it reads Redis, and reconnect.
    const redis = new RestartableRedis(await freePort());
    cleanup(() => redis.kill());
    const fresh = await startProxy(redis.addr);
    const moved = clients(fresh.proxy);
    await vi.waitFor(() => expect(fresh.proxy.stats().watchedPaths).toBe(1));
    await fresh.keeper.settled();
    await redis.start();
    await fresh.proxy.subscribed();
    await vi.waitFor(() => expect(fresh.proxy.stats().resyncs['proxy-start']).toBe(1));
    await vi.waitFor(() => expect(moved.every((c) => c.status.kind === 'ready')).toBe(true));
    await vi.waitFor(() => expect(fresh.proxy.stats().connectionsTotal).toBe(10));
    await fresh.keeper.settled();
    expect(allThere()).toEqual(wanted);

    // The old proxy's clients leave: its deletes concern the versions it wrote, not the new ones.
    await Promise.all(leaving.map((c) => c.close()));
    await vi.waitFor(() => expect(old.proxy.stats().connections).toBe(0));
    await old.keeper.settled();
    await fresh.keeper.settled();
    expect(allThere()).toEqual(wanted);
    expect(fresh.proxy.stats().watchedPaths).toBe(1);
  }, 60_000);
});
