// Issue 21, "identity is checked where it can be": a client may speak for a pod (WATCH, CLEAR) only
// from that pod's IP (status.podIPs); with a mounts file, from the container's allowedAddresses.
// Real proxy, real Redis, raw JFS clients bound to other loopback addresses (127.0.0.2, 127.0.0.3).
import { createConnection, type Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { encodeMessage } from '../../../lib/jfs-protocol/encode-message.ts';
import type { JfsMessage } from '../../../lib/jfs-protocol/jfs-message.ts';
import { MessageType } from '../../../lib/jfs-protocol/message-type.ts';
import { ClientIdentityError } from '../../../lib/jfs-proxy/client-identity.ts';
import { JfsProxy } from '../../../lib/jfs-proxy/jfs-proxy.ts';
import { StaticMountResolver } from '../../../lib/jfs-proxy/static-mount-resolver.ts';
import { FsWatcherKeeper } from '../../../lib/kubernetes/fs-watcher-keeper.ts';
import { KubernetesMountResolver } from '../../../lib/kubernetes/kubernetes-mount-resolver.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { appPod } from '../../support/kube-objects.ts';
import { redisAddr, uniqueChannel } from '../jfs-proxy/support.ts';
import { startApi } from './support.ts';

const cleanup = cleanupAfterEach();
const ns = 'user-space-alice';
const channel = `${ns}/files-0/files/w`;
const resource = 'files-0-files-w';

/** A JFS client connecting from `localAddress` (a loopback address other than 127.0.0.1). */
async function clientFrom(proxy: JfsProxy, localAddress: string) {
  const [host, port] = proxy.address.split(':') as [string, string];
  const socket: Socket = createConnection({ host, port: Number(port), localAddress });
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  cleanup(() => socket.destroy());
  return {
    socket,
    send: (message: JfsMessage) => socket.write(encodeMessage(message)),
  };
}

const watch = (paths: string[]): JfsMessage => ({
  type: MessageType.Watch,
  channelId: channel,
  paths,
});
const clear: JfsMessage = { type: MessageType.Clear, channelId: channel };

async function kubernetesProxy(phase: 'Pending' | 'Running') {
  const { api, client } = await startApi(cleanup);
  const pod = (p: 'Pending' | 'Running') =>
    appPod({
      namespace: ns,
      name: 'files-0',
      container: 'files',
      node: 'olares-node-1',
      phase: p,
      podIPs: ['127.0.0.2', 'fd00::2'],
      volumes: [{ name: 'home', hostPath: '/olares/alice', type: 'Directory', mountPath: '/data' }],
    });
  api.putPod(pod(phase));
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
  await proxy.subscribed();
  cleanup(async () => {
    await proxy.close();
    await watchers.close();
    await mounts.close();
  });
  const refused: ClientIdentityError[] = [];
  proxy.warnings$.subscribe((w) => {
    if (w instanceof ClientIdentityError) refused.push(w);
  });
  return { api, proxy, watchers, refused, run: () => api.putPod(pod('Running')) };
}

describe('client identity (real proxy, test API server, clients from other loopback addresses)', () => {
  it('accepts WATCH and CLEAR for a pod only from its status.podIPs; another address is refused and logged', async () => {
    const { api, proxy, watchers, refused } = await kubernetesProxy('Running');
    const intruder = await clientFrom(proxy, '127.0.0.3');
    intruder.send(watch(['/data']));
    await vi.waitFor(() => expect(refused).toHaveLength(1));
    expect(refused[0]?.message).toBe(
      `Client 127.0.0.3 spoke for ${ns}/files-0/files, whose status.podIPs is 127.0.0.2, fd00::2: refused. Only that pod's own address may watch or clear its channels.`,
    );
    await watchers.settled();
    expect(api.fsWatchers()).toEqual([]);
    expect(proxy.stats().watchedPaths).toBe(0);

    const owner = await clientFrom(proxy, '127.0.0.2');
    owner.send(watch(['/data']));
    await vi.waitFor(() => expect(api.fsWatcher(ns, resource)).toBeDefined());
    expect(proxy.stats().watchedPaths).toBe(1);

    // The intruder's CLEAR would delete the owner's FSWatcher (Go's proxy lets it). Refused too,
    // and said once per container and connection however often it insists.
    intruder.send(watch(['/data']));
    intruder.send(clear);
    intruder.send(clear);
    await vi.waitFor(() => expect(refused).toHaveLength(2));
    // Said once per kind and container: the repeats above are not; the barrier after them is
    // (another container of the pod), and a connection applies its frames in order.
    intruder.send(watch(['/data']));
    intruder.send({ type: MessageType.Watch, channelId: `${ns}/files-0/sidecar/w`, paths: ['/'] });
    await vi.waitFor(() => expect(refused).toHaveLength(3));
    expect(refused.map((r) => r.container.container)).toEqual(['files', 'files', 'sidecar']);
    await watchers.settled();
    expect(api.fsWatcher(ns, resource)?.['spec']).toMatchObject({ paths: ['/olares/alice'] });
    // The refused client keeps its connection (a Go client would reconnect and try again).
    expect(intruder.socket.destroyed).toBe(false);

    owner.send(clear);
    await vi.waitFor(() => expect(api.fsWatcher(ns, resource)).toBeUndefined());
  });

  it('refuses a pod without an IP yet (Pending), and accepts its own address once it runs', async () => {
    const { api, proxy, refused, run } = await kubernetesProxy('Pending');
    const owner = await clientFrom(proxy, '127.0.0.2');
    owner.send(watch(['/data']));
    await vi.waitFor(() => expect(refused).toHaveLength(1));
    expect(refused[0]?.message).toContain('whose status.podIPs lists no address (yet)');
    run();
    // The cached pod follows its watch: the Running pod's podIPs count without a new read.
    await vi.waitFor(async () => {
      owner.send(watch(['/data']));
      await new Promise((resolve) => setImmediate(resolve));
      expect(api.fsWatcher(ns, resource)).toBeDefined();
    });
  });

  it('with a mounts file, accepts a container only from its allowedAddresses, when it lists them', async () => {
    const mounts = new StaticMountResolver([
      {
        namespace: ns,
        pod: 'files-0',
        container: 'files',
        mounts: [{ mountPath: '/data', hostPath: '/olares/alice' }],
        allowedAddresses: ['127.0.0.2'],
      },
      {
        namespace: ns,
        pod: 'open-0',
        container: 'files',
        mounts: [{ mountPath: '/data', hostPath: '/olares/open' }],
      },
    ]);
    const proxy = await JfsProxy.start({
      mounts,
      listen: '127.0.0.1:0',
      redisAddr: redisAddr(),
      channel: uniqueChannel(),
      env: {},
    });
    await proxy.subscribed();
    cleanup(() => proxy.close());
    const refused: ClientIdentityError[] = [];
    proxy.warnings$.subscribe((w) => {
      if (w instanceof ClientIdentityError) refused.push(w);
    });
    const intruder = await clientFrom(proxy, '127.0.0.3');
    intruder.send(watch(['/data']));
    intruder.send({ type: MessageType.Watch, channelId: `${ns}/open-0/files/w`, paths: ['/data'] });
    await vi.waitFor(() => expect(proxy.stats().watchedPaths).toBe(1));
    expect(refused.map((r) => r.message)).toEqual([
      `Client 127.0.0.3 spoke for ${ns}/files-0/files, whose allowedAddresses is 127.0.0.2: refused. Only that pod's own address may watch or clear its channels.`,
    ]);
    const owner = await clientFrom(proxy, '127.0.0.2');
    owner.send(watch(['/data']));
    await vi.waitFor(() => expect(proxy.stats().watchedPaths).toBe(2));
    expect(refused).toHaveLength(1);
  });
});
