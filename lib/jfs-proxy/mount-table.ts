import { posix } from 'node:path';

/** One hostPath volume of a container: `hostPath` on the node appears at `mountPath` in the pod. */
export interface PodMount {
  readonly mountPath: string;
  readonly hostPath: string;
}

/** Which container a channel id names. */
export interface ContainerRef {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
}

/** Who asks for a container's mounts: the client connection's IP address. */
export interface MountClient {
  /** The client's IP address (`10.233.74.21`, `::ffff:10.0.0.1`); absent on a unix socket. */
  readonly address?: string | undefined;
}

/**
 * Finds the hostPath mounts of a container. A Kubernetes resolver (reading
 * pods' hostPath volumes of type Directory or DirectoryOrCreate) can plug in
 * here; `StaticMountResolver` serves a mounts file.
 */
export interface MountResolver {
  /**
   * The container's mounts; `undefined` when the container is unknown. With
   * `client`, a resolver that knows the container's addresses throws (or
   * rejects with) a `ClientIdentityError` when the client's is not one.
   */
  mountsOf(
    ref: ContainerRef,
    client?: MountClient,
  ): readonly PodMount[] | undefined | Promise<readonly PodMount[] | undefined>;
  /**
   * What to change when a container is unknown, in the proxy's warning.
   * Default: "Add the container to the mounts." (a mounts file).
   */
  readonly unknownContainerHint?: string;
}

/** A channel id `namespace/pod/container/watcher`, lowercased as the Go proxy does. */
export function parseChannelId(
  channelId: string,
): (ContainerRef & { readonly watcher: string }) | undefined {
  const parts = channelId.toLowerCase().split('/');
  if (parts.length !== 4 || parts.some((part) => part === '')) return undefined;
  const [namespace, pod, container, watcher] = parts as [string, string, string, string];
  return { namespace, pod, container, watcher };
}

/**
 * True when `path` is `root` or lies below it. A plain string prefix would
 * let `/data` match `/database` (the Go proxy's bug); this needs a `/` after
 * the root.
 */
export function isWithin(path: string, root: string): boolean {
  if (root === '/') return path.startsWith('/');
  return path === root || path.startsWith(`${root}/`);
}

/** Normalizes a path and drops a trailing `/` (but keeps `/` itself): `/data/sub/` is `/data/sub`. */
export function cleanPath(path: string): string {
  const normal = posix.normalize(path);
  return normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal;
}

function translate(path: string, from: string, to: string): string {
  if (path === from) return to;
  const rest = from === '/' ? path.slice(1) : path.slice(from.length + 1);
  return posix.join(to, rest);
}

/** The node path of a pod path, through the longest mount that holds it; `undefined` if none does. */
export function podToNodePath(podPath: string, mounts: readonly PodMount[]): string | undefined {
  const path = cleanPath(podPath);
  let best: PodMount | undefined;
  for (const mount of mounts) {
    if (
      isWithin(path, mount.mountPath) &&
      (best === undefined || mount.mountPath.length > best.mountPath.length)
    ) {
      best = mount;
    }
  }
  return best === undefined ? undefined : translate(path, best.mountPath, best.hostPath);
}

/** The pod path of a node path (the reverse of {@link podToNodePath}). */
export function nodeToPodPath(nodePath: string, mounts: readonly PodMount[]): string | undefined {
  const path = cleanPath(nodePath);
  let best: PodMount | undefined;
  for (const mount of mounts) {
    if (
      isWithin(path, mount.hostPath) &&
      (best === undefined || mount.hostPath.length > best.hostPath.length)
    ) {
      best = mount;
    }
  }
  return best === undefined ? undefined : translate(path, best.hostPath, best.mountPath);
}
