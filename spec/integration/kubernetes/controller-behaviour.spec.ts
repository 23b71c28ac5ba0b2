// What a real API server showed (issue 25) and a controller author expects: list, then watch from
// the list's version; quiet watches that end at timeoutSeconds resume without dropping the cache;
// 429 while the server initializes is retried and said; a 403 names the request and permission.
import { asyncScheduler } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { FsWatcherPaths } from '../../../lib/kubernetes/fs-watcher-paths.ts';
import { KubeClient } from '../../../lib/kubernetes/kube-client.ts';
import { KubernetesApiError } from '../../../lib/kubernetes/kubernetes-errors.ts';
import { KubernetesMountResolver } from '../../../lib/kubernetes/kubernetes-mount-resolver.ts';
import type { LinkStatus } from '../../../lib/status.ts';
import { trackTimers } from '../../../lib/testing/index.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import type { KubeApiServer } from '../../support/kube-api-server.ts';
import { appPod } from '../../support/kube-objects.ts';
import { startApi } from './support.ts';

const cleanup = cleanupAfterEach();
const ns = 'user-space-alice';
const ref = { namespace: ns, pod: 'files-0', container: 'files' };
const pod = (name = 'files-0') =>
  appPod({
    namespace: ns,
    name,
    container: 'files',
    node: 'olares-node-1',
    volumes: [{ name: 'home', hostPath: '/olares/alice', type: 'Directory', mountPath: '/data' }],
  });
const podWatches = (api: KubeApiServer) =>
  api.requests.filter((r) => r.startsWith(`GET /api/v1/namespaces/${ns}/pods?watch=true`));
const podReads = (api: KubeApiServer) =>
  api.requests.filter(
    (r) => r.startsWith(`GET /api/v1/namespaces/${ns}/pods`) && !r.includes('watch='),
  );
const versionOf = (request: string | undefined) =>
  new URLSearchParams(request?.split('?')[1]).get('resourceVersion');

describe('Kubernetes mode as a controller (official client, a test API server with a watch window)', () => {
  it('watches a pod from the list version, not its own: a pod older than the watch window stays cached', async () => {
    const { api, client } = await startApi(cleanup, { window: 20 });
    api.putPod(pod());
    // Later writes push the pod's own version out of the server's window of recent events.
    for (let i = 0; i < 50; i++) api.putPod(pod(`other-${i}`));
    // The pod's own watch alone (the pod index has its specs in kubernetes-mount-resolver.spec).
    const resolver = new KubernetesMountResolver(client, {
      checkClientAddress: false,
      podIndex: false,
    });
    cleanup(() => resolver.close());
    expect(await resolver.mountsOf(ref)).toEqual([
      { mountPath: '/data', hostPath: '/olares/alice' },
    ]);
    await vi.waitFor(() => expect(api.watchCount).toBe(1));
    expect(versionOf(podWatches(api)[0])).toBe(api.resourceVersion);
    expect(await resolver.mountsOf(ref)).toHaveLength(1);
    expect(resolver.cachedPods).toBe(1);
    expect(podReads(api)).toHaveLength(1);
  });

  it('answers a watch from before its window 410 Gone, as a real server does (not only after compaction)', async () => {
    const { api, client } = await startApi(cleanup, { window: 5 });
    const first = api.putPod(pod());
    for (let i = 0; i < 10; i++) api.putPod(pod(`other-${i}`));
    const events: [string, unknown][] = [];
    let ended: unknown = 'not yet';
    await client.watchPod(
      ns,
      'files-0',
      first.metadata.resourceVersion as string,
      (type, object) => events.push([type, (object as { code?: unknown }).code]),
      (err) => {
        ended = err;
      },
    );
    await vi.waitFor(() => expect(ended).toBeNull());
    expect(events).toEqual([['ERROR', 410]]);
  });

  it('resumes a quiet watch that the server ends at timeoutSeconds from its bookmark, keeping the cache', async () => {
    const { api, client } = await startApi(cleanup, { watchTimeout: 1 });
    // The client gives a silent watch the server's timeout and a margin: never less than a quiet watch lasts.
    expect(client.watchIdleTimeout).toBeGreaterThan(client.watchTimeout * 1000);
    expect(KubeClient.load({ kubeconfig: client.source }).watchIdleTimeout).toBeGreaterThan(
      300_000,
    );
    api.putPod(pod());
    const resolver = new KubernetesMountResolver(client, { checkClientAddress: false });
    cleanup(() => resolver.close());
    await resolver.mountsOf(ref);
    const listed = api.resourceVersion;
    api.putPod(pod('other-0')); // a later version, told to the quiet watch by its bookmark
    await vi.waitFor(() => expect(podWatches(api).length).toBeGreaterThanOrEqual(3), {
      timeout: 10_000,
    });
    const watches = podWatches(api);
    expect(watches[0]).toContain('allowWatchBookmarks=true&timeoutSeconds=1');
    expect(versionOf(watches[0])).toBe(listed);
    expect(versionOf(watches[2])).toBe(api.resourceVersion);
    expect(resolver.cachedPods).toBe(1);
    expect(await resolver.mountsOf(ref)).toHaveLength(1);
    expect(podReads(api)).toHaveLength(1);
  });

  it('follows FSWatchers across quiet watches ended by the server without listing again', async () => {
    const { api, client } = await startApi(cleanup, { watchTimeout: 1 });
    const source = await FsWatcherPaths.start(client);
    cleanup(() => source.close());
    const fswWatches = () => api.requests.filter((r) => r.includes('/fswatchers?watch=true'));
    await vi.waitFor(() => expect(fswWatches().length).toBeGreaterThanOrEqual(3), {
      timeout: 10_000,
    });
    expect(
      api.requests.filter((r) => r === 'GET /apis/sys.bytetrade.io/v1alpha1/fswatchers'),
    ).toHaveLength(1);
    await client.createFsWatcher(ns, {
      apiVersion: 'sys.bytetrade.io/v1alpha1',
      kind: 'FSWatcher',
      metadata: { name: 'files-0-files-w' },
      spec: { pod: 'files-0', container: 'files', paths: ['/olares/a'] },
    });
    await vi.waitFor(() => expect([...source.paths]).toEqual(['/olares/a']));
  });

  it('retries lists answered 429 while the server initializes, with a status that says so, then follows', async () => {
    const { api, client } = await startApi(cleanup);
    api.setInitializing(true);
    const source = await FsWatcherPaths.start(client, { retry: () => 50 });
    cleanup(() => source.close());
    const states: LinkStatus[] = [];
    source.status$.subscribe((state) => states.push(state));
    await vi.waitFor(() => expect(states.some((s) => s.kind === 'reconnecting')).toBe(true));
    const failing = states.find((s) => s.kind === 'reconnecting');
    expect(failing?.kind === 'reconnecting' && failing.error.message).toMatch(
      /GET \/apis\/sys\.bytetrade\.io\/v1alpha1\/fswatchers answered HTTP 429 Too Many Requests: storage is \(re\)initializing/,
    );
    expect(source.status.kind).not.toBe('ready');
    api.setInitializing(false);
    await vi.waitFor(() => expect(source.status.kind).toBe('ready'));
  });

  it('numbers its statuses as LinkStatus says through two failed lists and a recovery', async () => {
    const { api, client } = await startApi(cleanup);
    api.setInitializing(true);
    const asked: number[] = [];
    const source = await FsWatcherPaths.start(client, {
      retry: (attempt) => {
        asked.push(attempt);
        // The server is back once the second failure has been counted: retry 2 succeeds.
        if (attempt === 2) api.setInitializing(false);
        return attempt * 20;
      },
    });
    cleanup(() => source.close());
    const states: string[] = [];
    source.status$.subscribe((s) =>
      states.push(
        s.kind === 'reconnecting'
          ? `reconnecting ${s.attempt} ${s.delayMs}`
          : s.kind === 'connecting'
            ? `connecting ${s.attempt}`
            : s.kind,
      ),
    );
    await vi.waitFor(() => expect(source.status.kind).toBe('ready'));
    expect(asked).toEqual([1, 2]);
    // Subscribed after start(): the first try's status may already have given way to the first failure.
    expect(states.slice(states.indexOf('reconnecting 1 20'))).toEqual([
      'reconnecting 1 20',
      'connecting 1',
      'reconnecting 2 40',
      'connecting 2',
      'ready',
    ]);
  });

  it('retries a pod read answered 429 or 5xx, each failure in warnings$, then maps', async () => {
    const { api, client } = await startApi(cleanup);
    api.putPod(pod());
    api.setInitializing(true);
    const resolver = new KubernetesMountResolver(client, {
      checkClientAddress: false,
      retry: () => 50,
    });
    cleanup(() => resolver.close());
    const warnings: KubernetesApiError[] = [];
    resolver.warnings$.subscribe((w) => warnings.push(w));
    const mounts = resolver.mountsOf(ref);
    await vi.waitFor(() => expect(warnings.length).toBeGreaterThanOrEqual(2));
    expect(warnings[0]?.status).toBe(429);
    expect(warnings[0]?.transient).toBe(true);
    api.setInitializing(false);
    expect(await mounts).toHaveLength(1);
  });

  it('names the request, the status, the server message and the permission of a 403, without client noise', async () => {
    const { api, client } = await startApi(cleanup, { program: 'proxy' });
    api.putPod(pod());
    api.deny('list', 'pods');
    const resolver = new KubernetesMountResolver(client);
    cleanup(() => resolver.close());
    const error = await resolver.mountsOf(ref).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(KubernetesApiError);
    const { message } = error as KubernetesApiError;
    expect(message).toContain(
      `GET /api/v1/namespaces/${ns}/pods?fieldSelector=metadata.name%3Dfiles-0 answered HTTP 403 Forbidden: `,
    );
    expect(message).toContain(
      `pods is forbidden: User "system:serviceaccount:os-platform:batchwatch-fsnotify-proxy" cannot list resource "pods" in API group "" in the namespace "${ns}"`,
    );
    expect(message).toContain(
      'Grant verb "list" on resource "pods" of API group "" in the ClusterRole batchwatch-fsnotify-proxy',
    );
    expect(message).not.toMatch(/Unknown API Status Code|HTTP-Code|mounts/);
    expect((error as KubernetesApiError).transient).toBe(false);
  });

  it('names the request and the reason when the server does not answer (not "fetch failed")', async () => {
    const { api, client } = await startApi(cleanup);
    await api.close();
    const error = await client.readPod(ns, 'files-0').catch((err: unknown) => err);
    expect((error as Error).message).toMatch(
      /list pods failed: GET \/api\/v1\/namespaces\/user-space-alice\/pods\?fieldSelector=metadata\.name%3Dfiles-0 got no answer \(fetch failed: .*ECONNREFUSED/,
    );
  });

  it('retries a pod read answered 5xx, and reports each failure', async () => {
    const { api, client } = await startApi(cleanup);
    api.putPod(pod());
    api.failNext(2, 503);
    const resolver = new KubernetesMountResolver(client, {
      checkClientAddress: false,
      retry: () => 20,
    });
    cleanup(() => resolver.close());
    const warnings: KubernetesApiError[] = [];
    resolver.warnings$.subscribe((w) => warnings.push(w));
    expect(await resolver.mountsOf(ref)).toHaveLength(1);
    expect(warnings.map((w) => w.status)).toEqual([503, 503]);
    expect(warnings[0]?.message).toContain(
      'answered HTTP 503 Service Unavailable: the server is currently unable to handle the request',
    );
  });

  it('does not resume in a loop a watch the server ended without a word: the pod is read again on the next lookup', async () => {
    const { api, client } = await startApi(cleanup);
    api.putPod(pod());
    const resolver = new KubernetesMountResolver(client, {
      checkClientAddress: false,
      podIndex: false,
    });
    cleanup(() => resolver.close());
    await resolver.mountsOf(ref);
    await vi.waitFor(() => expect(api.watchCount).toBe(1));
    api.endWatches();
    await vi.waitFor(() => expect(resolver.cachedPods).toBe(0));
    expect(podWatches(api)).toHaveLength(1);
    expect(await resolver.mountsOf(ref)).toHaveLength(1);
    expect(podReads(api)).toHaveLength(2);
  });

  it('names the ClusterRole a 403 of the daemon calls for: its own for FSWatchers, the --node one for pods', async () => {
    const { api, client } = await startApi(cleanup, { program: 'daemon' });
    api.deny('list', 'fswatchers');
    api.deny('list', 'pods');
    const errors: Error[] = [];
    for (const informer of [client.podInformer('olares-node-1'), client.fsWatcherInformer()]) {
      informer.on('error', (err) => errors.push(err as Error));
      await informer.start();
      cleanup(() => informer.stop());
    }
    expect(errors.map((e) => e.message)).toEqual([
      expect.stringContaining(
        'Grant verb "list" on resource "pods" of API group "" in the ClusterRole batchwatch-fsnotify-daemon-node (deploy/kubernetes/rbac-daemon-node.yaml)',
      ),
      expect.stringContaining(
        'Grant verb "list" on resource "fswatchers" of API group "sys.bytetrade.io" in the ClusterRole batchwatch-fsnotify-daemon (deploy/kubernetes/rbac.yaml)',
      ),
    ]);
  });

  it('close() ends a pod read waiting for its retry: no timer left, the lookup rejected', async () => {
    const { api, client } = await startApi(cleanup);
    api.putPod(pod());
    api.setInitializing(true);
    const timers = trackTimers(asyncScheduler);
    const resolver = new KubernetesMountResolver(client, {
      checkClientAddress: false,
      retry: () => 60_000,
      scheduler: timers,
      podIndex: false,
    });
    const warnings: KubernetesApiError[] = [];
    resolver.warnings$.subscribe((w) => warnings.push(w));
    const lookup = resolver.mountsOf(ref);
    await vi.waitFor(() => expect(timers.active).toBe(1));
    await resolver.close();
    expect(timers.active).toBe(0);
    await expect(lookup).rejects.toThrow('closed while a pod read waited for its retry');
    expect(warnings).toHaveLength(1);
  });
});
