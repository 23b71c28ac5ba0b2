import type { ContainerRef } from '../jfs-proxy/mount-table.ts';

/** The FSWatcher custom resource, as fs-lib's CRD defines it (`config/crds/sys.bytetrade.io_fswatcher.yaml`). */
export const FSWATCHER = {
  group: 'sys.bytetrade.io',
  version: 'v1alpha1',
  plural: 'fswatchers',
  kind: 'FSWatcher',
} as const;

/** `sys.bytetrade.io/v1alpha1`. */
export const FSWATCHER_API_VERSION = `${FSWATCHER.group}/${FSWATCHER.version}`;

/** An FSWatcher object: which pod's container watches which node paths. */
export interface FsWatcher {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly resourceVersion?: string;
  };
  readonly spec?: {
    readonly pod?: string;
    readonly container?: string;
    /** Node paths. */
    readonly paths?: readonly string[];
    readonly description?: string;
  };
  readonly status?: { readonly state?: string };
}

/** The resource name the Go proxy gives a channel: `<pod>-<container>-<watcher>`, lowercased. */
export function fsWatcherName(ref: ContainerRef & { readonly watcher: string }): string {
  return `${ref.pod}-${ref.container}-${ref.watcher}`.toLowerCase();
}

const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** True when the API server accepts `name` as an object name (a lowercase RFC 1123 subdomain, at most 253). */
export function isValidObjectName(name: string): boolean {
  return name.length <= 253 && dnsSubdomain.test(name);
}

/**
 * The state batchwatch writes in `status.state`: the one the CRD defaults to.
 * Go writes no status, and the CRD's default applies only inside an existing
 * status object, so `kubectl get fsw` would show an empty STATE.
 */
export const FSWATCHER_STATE = 'active';

/** The FSWatcher object the Go proxy creates for a channel, with `status.state` written (see {@link FSWATCHER_STATE}). */
export function fsWatcherObject(
  name: string,
  ref: ContainerRef,
  nodePaths: readonly string[],
): FsWatcher {
  return {
    apiVersion: FSWATCHER_API_VERSION,
    kind: FSWATCHER.kind,
    metadata: { name, namespace: ref.namespace },
    spec: { pod: ref.pod, container: ref.container, paths: [...nodePaths] },
    status: { state: FSWATCHER_STATE },
  };
}
