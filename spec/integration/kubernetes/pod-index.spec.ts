// The pod index of KubernetesMountResolver against the test API server: naming pods that do not
// exist costs a bounded number of requests (counted), a pod that appears is found and one that
// goes away stops matching, and the index relists, degrades and closes as a controller would.
import { asyncScheduler } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import type { KubernetesApiError } from '../../../lib/kubernetes/kubernetes-errors.ts';
import { KubernetesMountResolver } from '../../../lib/kubernetes/kubernetes-mount-resolver.ts';
import { trackTimers } from '../../../lib/testing/index.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import type { KubeApiServer } from '../../support/kube-api-server.ts';
import { appPod } from '../../support/kube-objects.ts';
import { startApi } from './support.ts';

const cleanup = cleanupAfterEach();
const ns = 'user-space-alice';
const pod = (name: string) =>
  appPod({
    namespace: ns,
    name,
    container: 'files',
    node: 'olares-node-1',
    volumes: [{ name: 'home', hostPath: `/olares/rootfs/${name}`, mountPath: '/data' }],
  });
const ref = (name: string) => ({ namespace: ns, pod: name, container: 'files' });

/** Requests by kind: reads of one pod by name, lists of every pod, watches of every pod. */
function count(api: KubeApiServer, from = 0) {
  const requests = api.requests.slice(from);
  return {
    all: requests.length,
    byName: requests.filter((r) => r.includes('fieldSelector=metadata.name')).length,
    indexLists: requests.filter((r) => r.startsWith('GET /api/v1/pods?limit=')).length,
    indexWatches: requests.filter((r) => r.startsWith('GET /api/v1/pods?watch=true')).length,
  };
}

/** Looks up `names` pods that do not exist, 100 at a time; every answer must be "unknown". */
async function nameUnknown(resolver: KubernetesMountResolver, names: number, tag: string) {
  for (let i = 0; i < names; i += 100) {
    const batch = Array.from({ length: 100 }, (_, j) => resolver.mountsOf(ref(`${tag}-${i + j}`)));
    expect(new Set(await Promise.all(batch))).toEqual(new Set([undefined]));
  }
}

describe('the pod index (KubernetesMountResolver, test API server)', () => {
  it('1,000 pods that do not exist cost a bounded number of requests, not one list each', async () => {
    const { api, client } = await startApi(cleanup);
    for (let i = 0; i < 20; i++) api.putPod(pod(`real-${i}`));

    // Baseline, same run: without the index every unknown name is one list by name.
    const plain = new KubernetesMountResolver(client, { podIndex: false });
    cleanup(() => plain.close());
    let from = api.requests.length;
    await nameUnknown(plain, 1000, 'ghost-a');
    expect(count(api, from)).toMatchObject({ byName: 1000, indexLists: 0 });

    // With the index and no reads of unknown names: one list and one watch, whatever the names.
    const strict = new KubernetesMountResolver(client, { unknownPodReads: 0 });
    cleanup(() => strict.close());
    from = api.requests.length;
    await nameUnknown(strict, 1000, 'ghost-b');
    await vi.waitFor(() => expect(count(api, from).indexWatches).toBe(1));
    expect(count(api, from)).toEqual({ all: 2, byName: 0, indexLists: 1, indexWatches: 1 });

    // The default: at most unknownPodReads (5) reads by name a second besides.
    const started = Date.now();
    const resolver = new KubernetesMountResolver(client);
    cleanup(() => resolver.close());
    from = api.requests.length;
    await nameUnknown(resolver, 1000, 'ghost-c');
    const seconds = Math.ceil((Date.now() - started) / 1000);
    const spent = count(api, from);
    expect(spent.indexLists).toBe(1);
    expect(spent.byName).toBeGreaterThan(0);
    expect(spent.byName).toBeLessThanOrEqual(5 * (seconds + 1));
    // A real pod is still found.
    expect(await resolver.mountsOf(ref('real-3'))).toEqual([
      { mountPath: '/data', hostPath: '/olares/rootfs/real-3' },
    ]);
  });

  it('finds a pod that appears (from the watch), and stops matching one that goes away', async () => {
    const { api, client } = await startApi(cleanup);
    const resolver = new KubernetesMountResolver(client, { unknownPodReads: 0 });
    cleanup(() => resolver.close());
    expect(await resolver.mountsOf(ref('late'))).toBeUndefined();
    await vi.waitFor(() => expect(count(api).indexWatches).toBe(1));
    api.putPod(pod('late'));
    await vi.waitFor(async () => expect(await resolver.mountsOf(ref('late'))).toHaveLength(1));
    expect(resolver.cachedPods).toBe(1);
    api.deletePod(ns, 'late');
    await vi.waitFor(async () => expect(await resolver.mountsOf(ref('late'))).toBeUndefined());
    expect(resolver.cachedPods).toBe(0);
    // A pod of the same name again: found again.
    api.putPod(pod('late'));
    await vi.waitFor(async () => expect(await resolver.mountsOf(ref('late'))).toHaveLength(1));
  });

  it('lists again after 410 Gone and keeps answering from the new list', async () => {
    const { api, client } = await startApi(cleanup, { window: 5 });
    api.putPod(pod('a'));
    // A failed list would wait a minute: a relist within the test is the 410 path's.
    const resolver = new KubernetesMountResolver(client, {
      unknownPodReads: 0,
      retry: () => 60_000,
    });
    cleanup(() => resolver.close());
    expect(await resolver.mountsOf(ref('a'))).toHaveLength(1);
    await vi.waitFor(() => expect(count(api).indexWatches).toBe(1));
    // The watch hears a bookmark and is ended by the server: it resumes from the bookmark's
    // version, which more writes than the server's window have pushed out: 410 Gone.
    api.bookmark();
    api.endWatches();
    for (let i = 0; i < 10; i++) api.putPod(pod(`b-${i}`));
    api.putPod(pod('c'));
    await vi.waitFor(() => expect(count(api).indexLists).toBeGreaterThanOrEqual(2));
    await vi.waitFor(async () => expect(await resolver.mountsOf(ref('c'))).toHaveLength(1));
    expect(await resolver.mountsOf(ref('nope'))).toBeUndefined();
  });

  it('without a cluster-wide list permission, turns itself off with one warning and reads by name', async () => {
    const { api, client } = await startApi(cleanup);
    api.putPod(pod('a'));
    api.deny('list', 'pods');
    const resolver = new KubernetesMountResolver(client, { checkClientAddress: false });
    cleanup(() => resolver.close());
    const warnings: KubernetesApiError[] = [];
    resolver.warnings$.subscribe((w) => warnings.push(w));
    await expect(resolver.mountsOf(ref('a'))).rejects.toThrow(/403 Forbidden/);
    await expect(resolver.mountsOf(ref('b'))).rejects.toThrow(/403 Forbidden/);
    expect(count(api)).toMatchObject({ indexLists: 1, byName: 2 });
    // One warning from the index (it does not try again), one for each failed read by name.
    const fromIndex = warnings.filter((w) => w.message.includes('GET /api/v1/pods?limit=500'));
    expect(fromIndex).toHaveLength(1);
    expect(fromIndex[0]?.message).toContain('answered HTTP 403');
    expect(warnings).toHaveLength(3);
  });

  it('close() while the index waits to list again leaves no timer', async () => {
    const { api, client } = await startApi(cleanup);
    api.setInitializing(true);
    const timers = trackTimers(asyncScheduler);
    const resolver = new KubernetesMountResolver(client, {
      retry: () => 60_000,
      scheduler: timers,
      unknownPodReads: 0,
    });
    const lookup = resolver.mountsOf(ref('a'));
    await vi.waitFor(() => expect(timers.active).toBe(2)); // the index's relist and the pod read's retry
    await resolver.close();
    expect(timers.active).toBe(0);
    await expect(lookup).rejects.toThrow('closed while a pod read waited for its retry');
  });
});
