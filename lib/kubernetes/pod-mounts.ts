import { posix } from 'node:path';
import { cleanPath, type PodMount } from '../jfs-proxy/mount-table.ts';

/** The parts of a pod that the mapping reads (client-node's `V1Pod` fits). */
export interface PodShape {
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly uid?: string;
  };
  readonly spec?: {
    readonly nodeName?: string;
    readonly volumes?: readonly {
      readonly name: string;
      readonly hostPath?: { readonly path: string; readonly type?: string };
    }[];
    readonly containers: readonly {
      readonly name: string;
      readonly volumeMounts?: readonly {
        readonly name: string;
        readonly mountPath: string;
        readonly subPath?: string;
        readonly subPathExpr?: string;
      }[];
    }[];
  };
}

/**
 * hostPath types that hold directories. The Go proxy maps `Directory` and
 * `DirectoryOrCreate` and dereferences a missing type (it panics). Here a
 * missing or empty type, Kubernetes's default ("no checks"; the Olares
 * daemon's own volume is one), counts as a directory too; `File`, `Socket`
 * and the other types never map.
 */
const directoryTypes = new Set(['Directory', 'DirectoryOrCreate', '']);

/**
 * The hostPath mounts of a container of `pod`: each volumeMount of a hostPath
 * volume whose type holds a directory, with `subPath` appended to the node
 * path. `undefined` when the pod has no container of that name. A mount with
 * `subPathExpr` is skipped (its expansion depends on the container's
 * environment, which the API server does not resolve).
 */
export function mountsOfPod(pod: PodShape, container: string): PodMount[] | undefined {
  const found = pod.spec?.containers.find((c) => c.name === container);
  if (found === undefined) return undefined;
  const hostPaths = new Map<string, string>();
  for (const volume of pod.spec?.volumes ?? []) {
    const host = volume.hostPath;
    if (host !== undefined && directoryTypes.has(host.type ?? '') && host.path.startsWith('/')) {
      hostPaths.set(volume.name, host.path);
    }
  }
  const mounts: PodMount[] = [];
  for (const mount of found.volumeMounts ?? []) {
    const hostPath = hostPaths.get(mount.name);
    if (hostPath === undefined || mount.subPathExpr || !mount.mountPath.startsWith('/')) continue;
    const sub = mount.subPath ?? '';
    // A subPath is relative and may not climb out of its volume (the kubelet refuses such a pod).
    if (sub.startsWith('/') || sub.split('/').includes('..')) continue;
    mounts.push({
      mountPath: cleanPath(mount.mountPath),
      hostPath: cleanPath(sub === '' ? hostPath : posix.join(hostPath, sub)),
    });
  }
  return mounts;
}
