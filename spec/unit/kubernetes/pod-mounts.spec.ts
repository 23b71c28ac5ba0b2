import { describe, expect, it } from 'vitest';
import { podToNodePath } from '../../../lib/jfs-proxy/mount-table.ts';
import {
  fsWatcherName,
  fsWatcherObject,
  isValidObjectName,
} from '../../../lib/kubernetes/fs-watcher.ts';
import { mountsOfPod } from '../../../lib/kubernetes/pod-mounts.ts';
import { appPod } from '../../support/kube-objects.ts';

const pod = appPod({
  namespace: 'user-space-alice',
  name: 'files-deployment-7d9f8c6b5-x2x9q',
  container: 'files',
  node: 'olares-node-1',
  volumes: [
    {
      name: 'home',
      hostPath: '/olares/rootfs/userspace/alice',
      type: 'DirectoryOrCreate',
      mountPath: '/data',
    },
    {
      name: 'apps',
      hostPath: '/olares/userdata/Cache/',
      type: 'Directory',
      mountPath: '/appcache/',
    },
    { name: 'untyped', hostPath: '/olares/share', mountPath: '/share' },
    { name: 'empty-type', hostPath: '/olares/empty', type: '', mountPath: '/empty' },
    {
      name: 'sock',
      hostPath: '/run/containerd/containerd.sock',
      type: 'Socket',
      mountPath: '/run/c.sock',
    },
    { name: 'conf', hostPath: '/etc/olares/app.conf', type: 'File', mountPath: '/etc/app.conf' },
    {
      name: 'sub',
      hostPath: '/olares/rootfs',
      type: 'Directory',
      mountPath: '/media',
      subPath: 'External/usb1',
    },
    {
      name: 'escape',
      hostPath: '/olares/rootfs',
      type: 'Directory',
      mountPath: '/bad',
      subPath: '../etc',
    },
  ],
});

describe('mountsOfPod', () => {
  it('maps Directory, DirectoryOrCreate and untyped hostPath volumes of the named container, subPath included', () => {
    expect(mountsOfPod(pod, 'files')).toEqual([
      { mountPath: '/data', hostPath: '/olares/rootfs/userspace/alice' },
      { mountPath: '/appcache', hostPath: '/olares/userdata/Cache' },
      { mountPath: '/share', hostPath: '/olares/share' },
      { mountPath: '/empty', hostPath: '/olares/empty' },
      { mountPath: '/media', hostPath: '/olares/rootfs/External/usb1' },
    ]);
  });

  it('ignores other volume kinds and containers; an unknown container is undefined', () => {
    expect(mountsOfPod(pod, 'sidecar')).toEqual([]);
    expect(mountsOfPod(pod, 'nope')).toBeUndefined();
    expect(mountsOfPod({}, 'files')).toBeUndefined();
  });

  it('maps at a path boundary only, through the longest mount', () => {
    const mounts = mountsOfPod(pod, 'files') ?? [];
    expect(podToNodePath('/data/Home/Documents', mounts)).toBe(
      '/olares/rootfs/userspace/alice/Home/Documents',
    );
    expect(podToNodePath('/database', mounts)).toBeUndefined();
    expect(podToNodePath('/media/photos', mounts)).toBe('/olares/rootfs/External/usb1/photos');
  });
});

describe('FSWatcher naming', () => {
  it('names a channel <pod>-<container>-<watcher>, lowercased, and shapes the object as Go does', () => {
    const ref = { namespace: 'ns', pod: 'Files-0', container: 'files', watcher: 'W' };
    expect(fsWatcherName(ref)).toBe('files-0-files-w');
    expect(fsWatcherObject('files-0-files-w', ref, ['/n/a'])).toEqual({
      apiVersion: 'sys.bytetrade.io/v1alpha1',
      kind: 'FSWatcher',
      metadata: { name: 'files-0-files-w', namespace: 'ns' },
      spec: { pod: 'Files-0', container: 'files', paths: ['/n/a'] },
      // Go writes no status; the CRD's default applies only inside one: written, for kubectl's STATE.
      status: { state: 'active' },
    });
  });

  it('accepts only names the API server accepts', () => {
    expect(isValidObjectName('files-0-files-watcher.v2')).toBe(true);
    expect(isValidObjectName('files-0-files-my_watcher')).toBe(false);
    expect(isValidObjectName('files-0-files-')).toBe(false);
    expect(isValidObjectName('a'.repeat(254))).toBe(false);
  });
});
