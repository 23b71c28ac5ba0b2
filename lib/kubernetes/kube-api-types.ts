import type { PodShape } from './pod-mounts.ts';

// The shapes KubeClient reads and hands out, apart from the client that makes the requests.

/** A pod as read from the API server. */
export type Pod = PodShape & {
  readonly metadata?: { readonly resourceVersion?: string };
  readonly status?: {
    readonly phase?: string;
    readonly podIP?: string;
    readonly podIPs?: readonly { readonly ip?: string }[];
  };
};

/** A pod read by name through a list: the pod (`undefined`: none) and the list's resourceVersion. */
export interface PodRead {
  readonly pod: Pod | undefined;
  readonly resourceVersion: string;
}

/** One page of a list of every pod of the cluster: the pods, the list's version, the next page's token. */
export interface PodPage {
  readonly pods: readonly Pod[];
  readonly resourceVersion: string;
  /** Where the next page starts; `undefined` after the last. */
  readonly next: string | undefined;
}

/** What a watch callback gets: ADDED, MODIFIED, DELETED, BOOKMARK or ERROR, and the object. */
export type WatchCallback<T> = (type: string, object: T) => void;

/** One open watch; `abort()` ends it. */
export interface WatchHandle {
  abort(): void;
}

/**
 * A list-then-watch cache of objects that relists on 410 Gone (client-node's
 * `ListWatch`), as far as batchwatch uses it. A local interface, so that the
 * declarations of `batchwatch/kubernetes` do not depend on the client's own
 * types (which do not compile with `skipLibCheck: false`).
 */
export interface Informer<T extends object> {
  start(): Promise<void>;
  stop(): Promise<void>;
  list(): readonly T[];
  on(event: 'change', callback: (object: T) => void): void;
  on(event: 'error', callback: (err: unknown) => void): void;
}
