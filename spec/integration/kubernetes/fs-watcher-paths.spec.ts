import { asyncScheduler } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { FsWatcherPaths } from '../../../lib/kubernetes/fs-watcher-paths.ts';
import type { KubeClient } from '../../../lib/kubernetes/kube-client.ts';
import { trackTimers } from '../../../lib/testing/index.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { appPod } from '../../support/kube-objects.ts';
import { startApi } from './support.ts';

const cleanup = cleanupAfterEach();
const ns = 'user-space-alice';

function fsWatcher(kube: KubeClient, pod: string, paths: string[]) {
  return kube.createFsWatcher(ns, {
    apiVersion: 'sys.bytetrade.io/v1alpha1',
    kind: 'FSWatcher',
    metadata: { name: `${pod}-files-w` },
    spec: { pod, container: 'files', paths },
  });
}

const sorted = (paths: ReadonlySet<string>) => [...paths].sort();

describe('FsWatcherPaths (official client informer, test API server)', () => {
  it('lists, then follows creations, updates and deletions from the list version', async () => {
    const { api, client: kube } = await startApi(cleanup);
    await fsWatcher(kube, 'files-0', ['/olares/a', 'relative/ignored']);
    const source = await FsWatcherPaths.start(kube);
    cleanup(() => source.close());
    expect(sorted(source.paths)).toEqual(['/olares/a']);
    expect(api.requests.filter((r) => r.includes('watch=true'))).toEqual([
      'GET /apis/sys.bytetrade.io/v1alpha1/fswatchers?watch=true&resourceVersion=1001&allowWatchBookmarks=true&timeoutSeconds=300',
    ]);
    await fsWatcher(kube, 'files-1', ['/olares/b']);
    await vi.waitFor(() => expect(sorted(source.paths)).toEqual(['/olares/a', '/olares/b']));
    await kube.patchFsWatcher(ns, 'files-0-files-w', { spec: { paths: ['/olares/c'] } });
    await vi.waitFor(() => expect(sorted(source.paths)).toEqual(['/olares/b', '/olares/c']));
    await kube.deleteFsWatcher(ns, 'files-1-files-w');
    await vi.waitFor(() => expect(sorted(source.paths)).toEqual(['/olares/c']));
  });

  it('relists and resyncs when its watch version has expired (410 Gone), dropping what was deleted meanwhile', async () => {
    const { api, client: kube } = await startApi(cleanup);
    await fsWatcher(kube, 'files-0', ['/olares/a']);
    await fsWatcher(kube, 'files-1', ['/olares/b']);
    const source = await FsWatcherPaths.start(kube, { retry: () => 20 });
    cleanup(() => source.close());
    const warnings: Error[] = [];
    source.warnings$.subscribe((w) => warnings.push(w));
    expect(sorted(source.paths)).toEqual(['/olares/a', '/olares/b']);
    api.partition();
    await kube.deleteFsWatcher(ns, 'files-0-files-w');
    await fsWatcher(kube, 'files-2', ['/olares/new']);
    api.compact();
    await vi.waitFor(() => expect(warnings.length).toBeGreaterThan(0));
    api.heal();
    await vi.waitFor(() => expect(sorted(source.paths)).toEqual(['/olares/b', '/olares/new']));
    const lists = api.requests.filter(
      (r) => r === 'GET /apis/sys.bytetrade.io/v1alpha1/fswatchers',
    );
    expect(lists).toHaveLength(2);
    // And it goes on following from the new list.
    await kube.deleteFsWatcher(ns, 'files-1-files-w');
    await vi.waitFor(() => expect(sorted(source.paths)).toEqual(['/olares/new']));
  });

  it('with node, counts only the FSWatchers of pods scheduled on that node', async () => {
    const { api, client: kube } = await startApi(cleanup);
    const pod = (name: string, node: string) =>
      appPod({ namespace: ns, name, container: 'files', node, volumes: [] });
    api.putPod(pod('files-0', 'olares-node-1'));
    api.putPod(pod('files-1', 'olares-node-2'));
    await fsWatcher(kube, 'files-0', ['/olares/a']);
    await fsWatcher(kube, 'files-1', ['/olares/b']);
    await fsWatcher(kube, 'files-2', ['/olares/c']);
    const source = await FsWatcherPaths.start(kube, { node: 'olares-node-1' });
    cleanup(() => source.close());
    expect(sorted(source.paths)).toEqual(['/olares/a']);
    expect(api.requests).toContain('GET /api/v1/pods?fieldSelector=spec.nodeName%3Dolares-node-1');
    api.putPod(pod('files-2', 'olares-node-1'));
    await vi.waitFor(() => expect(sorted(source.paths)).toEqual(['/olares/a', '/olares/c']));
    api.deletePod(ns, 'files-0');
    await vi.waitFor(() => expect(sorted(source.paths)).toEqual(['/olares/c']));
  });

  it('stops its watches on close()', async () => {
    const { api, client: kube } = await startApi(cleanup);
    const source = await FsWatcherPaths.start(kube, { node: 'olares-node-1' });
    await vi.waitFor(() => expect(api.watchCount).toBe(2));
    await source.close();
    await vi.waitFor(() => expect(api.watchCount).toBe(0));
  });

  it('close() cancels a pending restart, leaves no timer, and returns the same promise', async () => {
    const { api, client: kube } = await startApi(cleanup);
    const timers = trackTimers(asyncScheduler);
    const source = await FsWatcherPaths.start(kube, { retry: () => 60_000, scheduler: timers });
    const warnings: Error[] = [];
    source.warnings$.subscribe((w) => warnings.push(w));
    api.partition();
    await vi.waitFor(() => expect(warnings.length).toBeGreaterThan(0));
    await vi.waitFor(() => expect(timers.active).toBeGreaterThan(0));
    const closing = source.close();
    expect(source.close()).toBe(closing);
    expect(source[Symbol.asyncDispose]()).toBe(closing);
    await closing;
    expect(timers.active).toBe(0);
    api.heal();
  });
});
