import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it, vi } from 'vitest';
import type { JfsEvent } from '../../../lib/jfs-protocol/jfs-message.ts';
import { JfsWatcher } from '../../../lib/sources/jfs/jfs-watcher.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { runCli, stopCli } from '../../support/cli-process.ts';
import { KubeApiServer } from '../../support/kube-api-server.ts';
import { appPod, writeKubeconfig } from '../../support/kube-objects.ts';
import { freePort } from '../../support/redis-server.ts';

const cleanup = cleanupAfterEach();

describe('batchwatch proxy --kubernetes | daemon --kubernetes (real programs, a test API server over HTTP, real Redis)', () => {
  it('keeps the FSWatcher of a watching client, delivers node changes under its pod path, and removes both on disconnect', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bw-k8s-'));
    cleanup(() => rm(dir, { recursive: true, force: true }));
    const node = join(dir, 'olares', 'rootfs', 'userspace', 'pvc-userspace-alice-x8k2');
    await mkdir(join(node, 'Home', 'Documents'), { recursive: true });
    const api = await KubeApiServer.start();
    cleanup(() => api.close());
    api.putPod(
      appPod({
        namespace: 'user-space-alice',
        name: 'files-deployment-7d9f8c6b5-x2x9q',
        container: 'files',
        node: 'olares-node-1',
        podIPs: ['127.0.0.1'],
        volumes: [
          { name: 'userspace-dir', hostPath: node, type: 'DirectoryOrCreate', mountPath: '/data' },
        ],
      }),
    );
    const env = { KUBECONFIG: await writeKubeconfig(join(dir, 'kubeconfig'), api.url) };
    const redis = `127.0.0.1:${inject('redisPort')}`;
    const port = await freePort();
    const proxy = runCli(
      [
        'proxy',
        '--kubernetes',
        '--listen',
        `127.0.0.1:${port}`,
        '--redis',
        redis,
        '--debounce',
        '50',
      ],
      { env },
    );
    cleanup(() => stopCli(proxy));
    // --no-follow: the daemon learns the path from the FSWatcher only, not from the proxies' Redis registry.
    const daemon = runCli(
      ['daemon', '--kubernetes', '--node', 'olares-node-1', '--no-follow', '--redis', redis],
      { env: { ...env, DEBUG: 'batchwatch:jfs-daemon' } },
    );
    cleanup(() => stopCli(daemon));
    // Loading the Kubernetes client takes seconds on a busy machine: wait longer than usual.
    await proxy.waitForStderr('redis ready', 60_000);
    await daemon.waitForStderr('following FSWatchers of pods on olares-node-1', 60_000);

    const client = new JfsWatcher({
      server: `127.0.0.1:${port}`,
      namespace: 'user-space-alice',
      pod: 'files-deployment-7d9f8c6b5-x2x9q',
      container: 'files',
      name: 'Files-Watcher',
      paths: ['/data/Home/Documents'],
      env: {},
    });
    cleanup(() => client.close());
    const name = 'files-deployment-7d9f8c6b5-x2x9q-files-files-watcher';
    await vi.waitFor(() => expect(api.fsWatcher('user-space-alice', name)).toBeDefined(), {
      timeout: 10_000,
    });
    expect(api.fsWatcher('user-space-alice', name)).toMatchObject({
      apiVersion: 'sys.bytetrade.io/v1alpha1',
      kind: 'FSWatcher',
      metadata: { name, namespace: 'user-space-alice' },
      spec: {
        pod: 'files-deployment-7d9f8c6b5-x2x9q',
        container: 'files',
        paths: [join(node, 'Home', 'Documents')],
      },
    });

    // The daemon watches the path once it saw the resource: write until a change arrives.
    const events: JfsEvent[] = [];
    const seen = client.events$.subscribe((event) => events.push(event));
    cleanup(() => seen.unsubscribe());
    await vi.waitFor(
      async () => {
        await writeFile(join(node, 'Home', 'Documents', `note-${events.length}.txt`), 'x');
        expect(events.some((e) => e.name.startsWith('/data/Home/Documents/note-'))).toBe(true);
      },
      { timeout: 20_000, interval: 200 },
    );
    expect(events.find((e) => e.name.startsWith('/data/Home/Documents/'))?.key).toBe(
      '/data/Home/Documents',
    );

    // UNWATCH of the last path deletes the resource (Go leaves it), WATCH creates it again.
    client.remove('/data/Home/Documents');
    await vi.waitFor(() => expect(api.fsWatcher('user-space-alice', name)).toBeUndefined(), {
      timeout: 10_000,
    });
    client.add('/data/Home');
    await vi.waitFor(
      () =>
        expect(api.fsWatcher('user-space-alice', name)?.['spec']).toMatchObject({
          paths: [join(node, 'Home')],
        }),
      { timeout: 10_000 },
    );

    // Disconnect: the proxy deletes the resource (Go leaks it) and the daemon releases the path.
    await client.close();
    await vi.waitFor(() => expect(api.fsWatchers()).toEqual([]), { timeout: 10_000 });
    await daemon.waitForStderr(`release ${join(node, 'Home')}`);
    expect(daemon.stderr()).toContain(`release ${join(node, 'Home', 'Documents')}`);
    expect(proxy.stderr()).not.toContain('warning');
    for (const cli of [proxy, daemon]) {
      cli.child.kill('SIGINT');
      expect(await cli.exit).toBe(0);
    }
    expect(daemon.stderr()).toMatch(/change\(s\) seen/);
  }, 120_000);

  it('daemon: says each 429 of an initializing API server without DEBUG, and "following FSWatchers" only once it is', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bw-k8s-'));
    cleanup(() => rm(dir, { recursive: true, force: true }));
    const api = await KubeApiServer.start();
    cleanup(() => api.close());
    api.setInitializing(true);
    const env = { KUBECONFIG: await writeKubeconfig(join(dir, 'kubeconfig'), api.url), DEBUG: '' };
    const daemon = runCli(
      ['daemon', '--kubernetes', '--no-follow', '--redis', `127.0.0.1:${inject('redisPort')}`],
      { env },
    );
    cleanup(() => stopCli(daemon));
    await daemon.waitForStderr('storage is (re)initializing', 60_000);
    expect(daemon.stderr()).toMatch(
      /batchwatch daemon: warning: Kubernetes API: list fswatchers failed: GET \/apis\/sys\.bytetrade\.io\/v1alpha1\/fswatchers answered HTTP 429 Too Many Requests: storage is \(re\)initializing \(retry \d+ in \d+ ms\)/,
    );
    expect(daemon.stderr()).not.toContain('following FSWatchers');
    api.setInitializing(false);
    await daemon.waitForStderr('following FSWatchers', 60_000);
    daemon.child.kill('SIGINT');
    expect(await daemon.exit).toBe(0);
  }, 120_000);
});
