// Kubernetes mode, `batchwatch/kubernetes`: the only part of batchwatch that imports
// @kubernetes/client-node (an optional peer dependency). Nothing in the main entry point imports
// this folder.

export type { ChannelWatchers, WatcherClient } from '../jfs-proxy/channel-watchers.ts';
export type { FsWatcher } from './fs-watcher.ts';
export {
  FSWATCHER,
  FSWATCHER_API_VERSION,
  FSWATCHER_STATE,
  fsWatcherName,
  fsWatcherObject,
  isValidObjectName,
} from './fs-watcher.ts';
export type { FsWatcherKeeperOptions } from './fs-watcher-keeper.ts';
export { FsWatcherKeeper } from './fs-watcher-keeper.ts';
export type { FsWatcherPathsOptions } from './fs-watcher-paths.ts';
export { FsWatcherPaths } from './fs-watcher-paths.ts';
export type {
  Informer,
  Pod,
  PodRead,
  WatchCallback,
  WatchHandle,
} from './kube-client.ts';
export { KubeClient } from './kube-client.ts';
export type { KubeClientOptions } from './kube-client-options.ts';
export { DEFAULT_KUBE_CLIENT_OPTIONS } from './kube-client-options.ts';
export type { KubeRequest } from './kubernetes-errors.ts';
export { FsWatcherNameError, KubernetesApiError } from './kubernetes-errors.ts';
export type { KubernetesMountResolverOptions } from './kubernetes-mount-resolver.ts';
export {
  DEFAULT_KUBERNETES_MOUNT_RESOLVER_OPTIONS,
  KubernetesMountResolver,
} from './kubernetes-mount-resolver.ts';
export type { PodShape } from './pod-mounts.ts';
export { mountsOfPod } from './pod-mounts.ts';
