import { describe, expect, it, vi } from 'vitest';
import { KubernetesMountResolver } from '../../../lib/kubernetes/kubernetes-mount-resolver.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import type { KubeApiServer } from '../../support/kube-api-server.ts';
import { appPod } from '../../support/kube-objects.ts';
import { startApi } from './support.ts';

const cleanup = cleanupAfterEach();
const ref = { namespace: 'user-space-alice', pod: 'files-0', container: 'files' };
const pod = (hostPath: string) =>
  appPod({
    namespace: 'user-space-alice',
    name: 'files-0',
    container: 'files',
    node: 'olares-node-1',
    volumes: [{ name: 'home', hostPath, type: 'DirectoryOrCreate', mountPath: '/data' }],
  });

/** The pod reads: a list by name, as a controller starts. */
const reads = (api: KubeApiServer) =>
  api.requests.filter(
    (r) =>
      r === 'GET /api/v1/namespaces/user-space-alice/pods?fieldSelector=metadata.name%3Dfiles-0',
  );

describe('KubernetesMountResolver (official client, test API server)', () => {
  it('reads the pod once, serves later lookups from its cache while watching it', async () => {
    const { api, client } = await startApi(cleanup);
    api.putPod(pod('/olares/rootfs/alice'));
    const resolver = new KubernetesMountResolver(client);
    cleanup(() => resolver.close());
    const mounts = [{ mountPath: '/data', hostPath: '/olares/rootfs/alice' }];
    expect(await resolver.mountsOf(ref)).toEqual(mounts);
    expect(await resolver.mountsOf(ref)).toEqual(mounts);
    expect(await resolver.mountsOf({ ...ref, container: 'sidecar' })).toEqual([]);
    expect(reads(api)).toHaveLength(1);
    // The pod's own watch, and the pod index's watch of every pod.
    await vi.waitFor(() => expect(api.watchCount).toBe(2));
    expect(api.requests).toContain(
      'GET /api/v1/namespaces/user-space-alice/pods?watch=true&fieldSelector=metadata.name%3Dfiles-0&resourceVersion=1001&allowWatchBookmarks=true&timeoutSeconds=300',
    );
  });

  it('forgets a deleted pod and reads its successor of the same name', async () => {
    const { api, client } = await startApi(cleanup);
    api.putPod(pod('/olares/rootfs/old'));
    const resolver = new KubernetesMountResolver(client);
    cleanup(() => resolver.close());
    expect(await resolver.mountsOf(ref)).toEqual([
      { mountPath: '/data', hostPath: '/olares/rootfs/old' },
    ]);
    await vi.waitFor(() => expect(api.watchCount).toBe(1));
    api.deletePod('user-space-alice', 'files-0');
    await vi.waitFor(() => expect(resolver.cachedPods).toBe(0));
    expect(await resolver.mountsOf(ref)).toBeUndefined();
    api.putPod(pod('/olares/rootfs/new'));
    expect(await resolver.mountsOf(ref)).toEqual([
      { mountPath: '/data', hostPath: '/olares/rootfs/new' },
    ]);
  });

  it('does not cache a missing pod, and closes every watch on close()', async () => {
    const { api, client } = await startApi(cleanup);
    const resolver = new KubernetesMountResolver(client);
    expect(await resolver.mountsOf(ref)).toBeUndefined();
    expect(resolver.cachedPods).toBe(0);
    api.putPod(pod('/olares/rootfs/alice'));
    // Created a moment ago: not in the pod index yet, read by name within unknownPodReads.
    expect(await resolver.mountsOf(ref)).toHaveLength(1);
    await vi.waitFor(() => expect(api.watchCount).toBe(2));
    const closing = resolver.close();
    expect(resolver.close()).toBe(closing);
    expect(resolver[Symbol.asyncDispose]()).toBe(closing);
    await closing;
    await vi.waitFor(() => expect(api.watchCount).toBe(0));
    expect(resolver.cachedPods).toBe(0);
  });

  it('maps a hostPath volume written without a type, which the API server stores as type ""', async () => {
    const { api, client } = await startApi(cleanup);
    const stored = api.putPod(
      appPod({
        namespace: 'user-space-alice',
        name: 'files-0',
        container: 'files',
        node: 'olares-node-1',
        volumes: [{ name: 'home', hostPath: '/olares/rootfs/alice', mountPath: '/data' }],
      }),
    );
    expect((stored['spec'] as { volumes: { hostPath?: unknown }[] }).volumes[0]?.hostPath).toEqual({
      path: '/olares/rootfs/alice',
      type: '',
    });
    const resolver = new KubernetesMountResolver(client);
    cleanup(() => resolver.close());
    expect(await resolver.mountsOf(ref)).toEqual([
      { mountPath: '/data', hostPath: '/olares/rootfs/alice' },
    ]);
  });
});
