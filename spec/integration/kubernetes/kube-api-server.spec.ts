// The test API server must answer as a real one does, or the Kubernetes specs prove nothing:
// these run the official client against it for the rules the other specs rely on.
import { request } from 'node:http';
import { CustomObjectsApi, type KubeConfig, Watch } from '@kubernetes/client-node';
import { describe, expect, it, vi } from 'vitest';
import { cleanupAfterEach } from '../../support/cleanups.ts';
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
});
