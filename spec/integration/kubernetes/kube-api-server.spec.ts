// The test API server must answer as a real one does, or the Kubernetes specs prove nothing:
// these run the official client against it for the rules the other specs rely on.
import { request } from 'node:http';
import { CoreV1Api, CustomObjectsApi, type KubeConfig, Watch } from '@kubernetes/client-node';
import { describe, expect, it, vi } from 'vitest';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { deployedFsWatcherSchema } from '../../support/kube-api-server.ts';
import { appPod } from '../../support/kube-objects.ts';
import { startApi } from './support.ts';

const cleanup = cleanupAfterEach();
const ns = 'user-space-alice';
const fsw = { group: 'sys.bytetrade.io', version: 'v1alpha1', plural: 'fswatchers', namespace: ns };
const body = (name: string, paths: string[]) => ({
  apiVersion: 'sys.bytetrade.io/v1alpha1',
  kind: 'FSWatcher',
  metadata: { name },
  spec: { pod: 'files-0', container: 'files', paths },
});

describe('the test API server, through the official client', () => {
  it('answers an update from a stale resourceVersion 409 Conflict, and a current one with a new version', async () => {
    const { client } = await startApi(cleanup);
    const api = (client.config as KubeConfig).makeApiClient(CustomObjectsApi);
    const created = await api.createNamespacedCustomObject({ ...fsw, body: body('w', ['/a']) });
    const version = created.metadata.resourceVersion as string;
    const updated = await api.replaceNamespacedCustomObject({
      ...fsw,
      name: 'w',
      body: { ...created, spec: { ...created.spec, paths: ['/b'] } },
    });
    expect(Number(updated.metadata.resourceVersion)).toBeGreaterThan(Number(version));
    const stale = api.replaceNamespacedCustomObject({ ...fsw, name: 'w', body: created });
    await expect(stale).rejects.toMatchObject({ code: 409 });
    expect((await api.getNamespacedCustomObject({ ...fsw, name: 'w' })).spec.paths).toEqual(['/b']);
    await expect(
      api.createNamespacedCustomObject({ ...fsw, body: body('w', []) }),
    ).rejects.toMatchObject({ code: 409 });
    await expect(
      api.createNamespacedCustomObject({ ...fsw, body: body('my_w', []) }),
    ).rejects.toMatchObject({ code: 422 });
    await expect(api.getNamespacedCustomObject({ ...fsw, name: 'nope' })).rejects.toMatchObject({
      code: 404,
    });
  });

  it('streams watch events as JSON lines from a version, and ends an expired one with a 410 ERROR event', async () => {
    const { api, client } = await startApi(cleanup);
    const custom = (client.config as KubeConfig).makeApiClient(CustomObjectsApi);
    const first = await custom.createNamespacedCustomObject({ ...fsw, body: body('a', ['/a']) });
    await custom.createNamespacedCustomObject({ ...fsw, body: body('b', ['/b']) });
    const events: [string, string][] = [];
    const watch = new Watch(client.config as KubeConfig);
    const handle = await watch.watch(
      '/apis/sys.bytetrade.io/v1alpha1/fswatchers',
      { resourceVersion: first.metadata.resourceVersion },
      (type, object) => events.push([type, object.metadata.name]),
      () => {},
    );
    cleanup(() => handle.abort());
    await custom.deleteNamespacedCustomObject({ ...fsw, name: 'a' });
    await vi.waitFor(() =>
      expect(events).toEqual([
        ['ADDED', 'b'],
        ['DELETED', 'a'],
      ]),
    );

    api.compact();
    let ended: unknown = 'not yet';
    const expired: [string, unknown][] = [];
    await watch.watch(
      '/apis/sys.bytetrade.io/v1alpha1/fswatchers',
      { resourceVersion: first.metadata.resourceVersion },
      (type, object) => expired.push([type, object.code]),
      (err) => {
        ended = err;
      },
    );
    await vi.waitFor(() => expect(ended).toBeNull());
    expect(expired).toEqual([['ERROR', 410]]);
  });

  it('accepts only JSON merge patches, and answers them with the merged object', async () => {
    const { api, client } = await startApi(cleanup);
    await client.createFsWatcher(ns, body('w', ['/a']));
    await client.patchFsWatcher(ns, 'w', { spec: { paths: ['/c'] } });
    expect(api.fsWatcher(ns, 'w')?.['spec']).toEqual({
      pod: 'files-0',
      container: 'files',
      paths: ['/c'],
    });
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(
        `${api.url}/apis/sys.bytetrade.io/v1alpha1/namespaces/${ns}/fswatchers/w`,
        {
          method: 'PATCH',
          headers: { 'content-type': 'application/json-patch+json' },
        },
      );
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end('[]');
    });
    expect(status).toBe(415);
  });

  it('answers DELETE of a custom resource with a Status, and 409 when its precondition is stale', async () => {
    const { client } = await startApi(cleanup);
    const custom = (client.config as KubeConfig).makeApiClient(CustomObjectsApi);
    const created = await custom.createNamespacedCustomObject({ ...fsw, body: body('w', ['/a']) });
    await client.patchFsWatcher(ns, 'w', { spec: { paths: ['/b'] } });
    await expect(
      custom.deleteNamespacedCustomObject({
        ...fsw,
        name: 'w',
        body: { preconditions: { resourceVersion: created.metadata.resourceVersion } },
      }),
    ).rejects.toMatchObject({ code: 409 });
    const status = await custom.deleteNamespacedCustomObject({ ...fsw, name: 'w' });
    expect(status).toMatchObject({
      kind: 'Status',
      status: 'Success',
      details: { name: 'w', group: 'sys.bytetrade.io', kind: 'fswatchers' },
    });
  });

  it('applies the CRD defaults structurally: status.state only inside a status object (none without one)', async () => {
    const { client } = await startApi(cleanup);
    const custom = (client.config as KubeConfig).makeApiClient(CustomObjectsApi);
    const bare = await custom.createNamespacedCustomObject({ ...fsw, body: body('bare', ['/a']) });
    expect(bare.status).toBeUndefined();
    const withStatus = await custom.createNamespacedCustomObject({
      ...fsw,
      body: { ...body('with', ['/a']), status: {} },
    });
    expect(withStatus.status).toEqual({ state: 'active' });
    // With a schema without defaults (defaulting absent), an empty status stays empty.
    const { client: plain } = await startApi(cleanup, { schema: null });
    const none = await (plain.config as KubeConfig)
      .makeApiClient(CustomObjectsApi)
      .createNamespacedCustomObject({ ...fsw, body: { ...body('with', ['/a']), status: {} } });
    expect(none.status).toEqual({});
    // The schema applied is the one deploy/kubernetes installs.
    expect(deployedFsWatcherSchema().properties?.['status']?.properties?.['state']).toMatchObject({
      type: 'string',
    });
  });

  it('fills in hostPath.type "" and serves pods without an IP while Pending and with podIPs once Running', async () => {
    const { api, client } = await startApi(cleanup);
    const core = (client.config as KubeConfig).makeApiClient(CoreV1Api);
    const pod = (phase: 'Pending' | 'Running') =>
      appPod({
        namespace: ns,
        name: 'files-0',
        container: 'files',
        node: 'n1',
        phase,
        podIPs: ['10.233.74.21', 'fd00::21'],
        volumes: [{ name: 'home', hostPath: '/olares/alice', mountPath: '/data' }],
      });
    api.putPod(pod('Pending'));
    const pending = await core.readNamespacedPod({ namespace: ns, name: 'files-0' });
    expect(pending.spec?.volumes?.[0]?.hostPath).toEqual({ path: '/olares/alice', type: '' });
    expect(pending.status?.phase).toBe('Pending');
    expect(pending.status?.podIP).toBeUndefined();
    expect(pending.status?.podIPs).toBeUndefined();
    api.putPod(pod('Running'));
    const running = await core.readNamespacedPod({ namespace: ns, name: 'files-0' });
    expect(running.status?.podIP).toBe('10.233.74.21');
    expect(running.status?.podIPs).toEqual([{ ip: '10.233.74.21' }, { ip: 'fd00::21' }]);
  });

  it('answers 429 "storage is (re)initializing" with Retry-After while initializing, and RBAC 403 for a denied verb', async () => {
    const { api, client } = await startApi(cleanup);
    const core = (client.config as KubeConfig).makeApiClient(CoreV1Api);
    api.setInitializing(true);
    const busy = await core.listNamespacedPod({ namespace: ns }).catch((err: unknown) => err);
    expect(busy).toMatchObject({ code: 429, headers: { 'retry-after': '1' } });
    expect(JSON.parse((busy as { body: string }).body)).toMatchObject({
      reason: 'TooManyRequests',
      message: 'storage is (re)initializing',
    });
    api.setInitializing(false);
    api.deny('get', 'pods');
    expect((await core.listNamespacedPod({ namespace: ns })).items).toEqual([]);
    await expect(core.readNamespacedPod({ namespace: ns, name: 'files-0' })).rejects.toMatchObject({
      code: 403,
    });
  });
});
