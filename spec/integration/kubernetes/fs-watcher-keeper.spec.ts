import { asyncScheduler } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import type { JfsServerError } from '../../../lib/errors.ts';
import type { WatcherClient } from '../../../lib/jfs-proxy/channel-watchers.ts';
import { FsWatcherKeeper } from '../../../lib/kubernetes/fs-watcher-keeper.ts';
import {
  FsWatcherNameError,
  KubernetesApiError,
} from '../../../lib/kubernetes/kubernetes-errors.ts';
import { trackTimers } from '../../../lib/testing/index.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { startApi } from './support.ts';

const cleanup = cleanupAfterEach();
const ns = 'user-space-alice';
const channel = `${ns}/files-0/files/w`;
const name = 'files-0-files-w';
const fsw = `/apis/sys.bytetrade.io/v1alpha1/namespaces/${ns}/fswatchers`;

function client(remote: string): WatcherClient & { warnings: JfsServerError[] } {
  const warnings: JfsServerError[] = [];
  return { remote, warnings, warn: (warning) => warnings.push(warning) };
}

async function setup() {
  const { api, client: kube } = await startApi(cleanup);
  const keeper = new FsWatcherKeeper(kube, { retry: (n) => (n > 1 ? null : 10) });
  cleanup(() => keeper.close());
  const writes = () => api.requests.filter((r) => !r.startsWith('GET'));
  return { api, kube, keeper, writes };
}

describe('FsWatcherKeeper (official client, test API server)', () => {
  it('creates the resource on the first WATCH, patches it on changes, deletes it after the last UNWATCH', async () => {
    const { api, keeper, writes } = await setup();
    const a = client('10.233.74.21:40000');
    keeper.pathsChanged(a, channel, ['/olares/a']);
    await keeper.settled();
    expect(api.fsWatcher(ns, name)).toMatchObject({
      apiVersion: 'sys.bytetrade.io/v1alpha1',
      kind: 'FSWatcher',
      spec: { pod: 'files-0', container: 'files', paths: ['/olares/a'] },
    });
    keeper.pathsChanged(a, channel, ['/olares/b', '/olares/a']);
    await keeper.settled();
    expect(api.fsWatcher(ns, name)?.['spec']).toMatchObject({ paths: ['/olares/a', '/olares/b'] });
    keeper.pathsChanged(a, channel, []);
    await keeper.settled();
    expect(api.fsWatcher(ns, name)).toBeUndefined();
    expect(writes()).toEqual([`POST ${fsw}`, `PATCH ${fsw}/${name}`, `DELETE ${fsw}/${name}`]);
    expect(a.warnings).toEqual([]);
  });

  it('takes over a resource left by an earlier proxy (409 on create), and CLEAR deletes it', async () => {
    const { api, kube, keeper } = await setup();
    await kube.createFsWatcher(ns, {
      apiVersion: 'sys.bytetrade.io/v1alpha1',
      kind: 'FSWatcher',
      metadata: { name },
      spec: { pod: 'files-0', container: 'files', paths: ['/olares/stale'] },
    });
    const a = client('a');
    keeper.pathsChanged(a, channel, ['/olares/a']);
    await keeper.settled();
    expect(api.fsWatcher(ns, name)?.['spec']).toMatchObject({ paths: ['/olares/a'] });
    keeper.cleared(a, channel);
    await keeper.settled();
    expect(api.fsWatchers()).toEqual([]);
  });

  it('mirrors the latest connection still watching a channel: a reconnected client keeps its resource', async () => {
    const { api, keeper, writes } = await setup();
    const old = client('old');
    const reconnected = client('new');
    keeper.pathsChanged(old, channel, ['/olares/a']);
    keeper.pathsChanged(old, `${ns}/files-0/files/other`, ['/olares/o']);
    keeper.cleared(reconnected, channel); // the new connection's CLEAR: the old one still watches
    keeper.pathsChanged(reconnected, channel, ['/olares/b']);
    await keeper.settled();
    expect(api.fsWatcher(ns, name)?.['spec']).toMatchObject({ paths: ['/olares/b'] });
    keeper.closed(old);
    await keeper.settled();
    expect(api.fsWatchers().map((o) => o.metadata.name)).toEqual([name]);
    expect(api.fsWatcher(ns, name)?.['spec']).toMatchObject({ paths: ['/olares/b'] });
    const before = writes().length;
    keeper.pathsChanged(reconnected, channel, []);
    await keeper.settled();
    expect(api.fsWatchers()).toEqual([]);
    keeper.closed(reconnected);
    await keeper.settled();
    expect(writes()).toHaveLength(before + 1);
  });

  it('warns the client once about a watcher name that is not a valid resource name, and writes nothing', async () => {
    const { keeper, writes } = await setup();
    const a = client('a');
    keeper.pathsChanged(a, `${ns}/files-0/files/my_watcher`, ['/olares/a']);
    keeper.pathsChanged(a, `${ns}/files-0/files/my_watcher`, ['/olares/b']);
    keeper.closed(a);
    await keeper.settled();
    expect(writes()).toEqual([]);
    expect(a.warnings).toHaveLength(1);
    expect(a.warnings[0]).toBeInstanceOf(FsWatcherNameError);
    expect(a.warnings[0]?.message).toContain(
      '"files-0-files-my_watcher" is not a valid FSWatcher name',
    );
  });

  it('reports an API failure to the client concerned after its retries', async () => {
    const { api, keeper } = await setup();
    await api.close();
    const a = client('a');
    keeper.pathsChanged(a, channel, ['/olares/a']);
    await keeper.settled();
    expect(a.warnings.length).toBeGreaterThanOrEqual(1);
    expect(a.warnings[0]).toBeInstanceOf(KubernetesApiError);
    expect(a.warnings[0]?.message).toContain(`write FSWatcher ${ns}/${name} failed`);
  });

  it('close() ends a retry waiting for its delay, leaves no timer, and returns the same promise', async () => {
    const { api, client: kube } = await startApi(cleanup);
    const timers = trackTimers(asyncScheduler);
    const keeper = new FsWatcherKeeper(kube, { retry: () => 60_000, scheduler: timers });
    await api.close();
    const a = client('a');
    keeper.pathsChanged(a, channel, ['/olares/a']);
    await vi.waitFor(() => expect(a.warnings).toHaveLength(1));
    expect(timers.active).toBe(1);
    const closing = keeper.close(20);
    expect(keeper.close()).toBe(closing);
    expect(keeper[Symbol.asyncDispose]()).toBe(closing);
    await closing;
    expect(timers.active).toBe(0);
    // The write loop ended rather than waiting for a retry that will never come.
    await keeper.settled();
  });

  it('writes status.state, so that `kubectl get fsw` shows a STATE even where the CRD defaults nothing', async () => {
    const { api, client: kube } = await startApi(cleanup, { schema: null });
    const keeper = new FsWatcherKeeper(kube);
    cleanup(() => keeper.close());
    const a = client('a');
    keeper.pathsChanged(a, channel, ['/olares/a']);
    await keeper.settled();
    expect(api.fsWatcher(ns, name)?.['status']).toEqual({ state: 'active' });
    // Taken over from a resource written without a status (Go's proxy writes none).
    await api.close();
    const again = await startApi(cleanup, { schema: null });
    await again.client.createFsWatcher(ns, {
      apiVersion: 'sys.bytetrade.io/v1alpha1',
      kind: 'FSWatcher',
      metadata: { name },
      spec: { pod: 'files-0', container: 'files', paths: ['/olares/stale'] },
    });
    const second = new FsWatcherKeeper(again.client);
    cleanup(() => second.close());
    second.pathsChanged(a, channel, ['/olares/a']);
    await second.settled();
    expect(again.api.fsWatcher(ns, name)?.['status']).toEqual({ state: 'active' });
  });

  it('deletes only the version it wrote: a resource rewritten since (another proxy) is left', async () => {
    const { api, kube, keeper, writes } = await setup();
    const a = client('a');
    keeper.pathsChanged(a, channel, ['/olares/a']);
    await keeper.settled();
    await kube.patchFsWatcher(ns, name, { spec: { paths: ['/olares/other-proxy'] } });
    keeper.closed(a);
    await keeper.settled();
    expect(api.fsWatcher(ns, name)?.['spec']).toMatchObject({ paths: ['/olares/other-proxy'] });
    expect(writes()).toEqual([`POST ${fsw}`, `PATCH ${fsw}/${name}`, `DELETE ${fsw}/${name}`]);
    expect(a.warnings).toEqual([]);
  });
});
