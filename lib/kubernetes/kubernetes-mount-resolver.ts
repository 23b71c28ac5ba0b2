import createDebug from 'debug';
import type { Observable, SchedulerLike } from 'rxjs';
import { Subject } from 'rxjs/internal/Subject';
import { asyncScheduler } from 'rxjs/internal/scheduler/async';
import { exponentialBackoff, type RetryPolicy } from '../backoff.ts';
import { OptionsError } from '../errors.ts';
import { addressAllowed, ClientIdentityError } from '../jfs-proxy/client-identity.ts';
import type {
  ContainerRef,
  MountClient,
  MountResolver,
  PodMount,
} from '../jfs-proxy/mount-table.ts';
import {
  optionNames,
  rejectUnknownOptions,
  resolveCount,
  resolveFunction,
  resolveScheduler,
} from '../options.ts';
import { RetryLoop } from '../retry-loop.ts';
import type { KubeClient, Pod, PodRead, WatchHandle } from './kube-client.ts';
import { KubernetesApiError, statusOf } from './kubernetes-errors.ts';
import { podIPs } from './pod-ips.ts';
import { PodLookupGate } from './pod-lookup-gate.ts';
import { mountsOfPod } from './pod-mounts.ts';

const log = createDebug('batchwatch:kubernetes');

/** Options of {@link KubernetesMountResolver}. */
export interface KubernetesMountResolverOptions {
  /** Pods kept in the cache; beyond, the least recently used is dropped. Default 1000. */
  readonly maxPods?: number;
  /**
   * Accept a client only from an address of the pod it speaks for
   * (`status.podIPs`): a WATCH or CLEAR from elsewhere is refused with a
   * `ClientIdentityError`. Default `true`.
   */
  readonly checkClientAddress?: boolean;
  /**
   * Delay before re-reading a pod after 429 Too Many Requests, a 5xx or no
   * answer (each reported in `warnings$`); `null` gives up. Default: 0.5 s
   * doubling to 4 s, 4 retries.
   */
  readonly retry?: RetryPolicy;
  /** Where the retry timers run. Default: rxjs `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /**
   * Keep the names of every pod of the cluster (one paged list and one
   * watch, see `PodIndex`), so that a lookup of a pod that does not exist
   * costs no request, however many such names clients send. It needs
   * `list` and `watch` on pods cluster-wide (the proxy's ClusterRole has
   * them); refused (403), it turns itself off with one warning and pods are
   * read by name, as with `false`. Default `true`.
   */
  readonly podIndex?: boolean;
  /**
   * With `podIndex`: how many lookups per second of a pod the index does not
   * hold are still read by name (a pod created a moment ago may not be in it
   * yet); beyond, the index's answer stands. 0: never read. Default 5.
   */
  readonly unknownPodReads?: number;
}

/** The defaults of {@link KubernetesMountResolverOptions}. */
export const DEFAULT_KUBERNETES_MOUNT_RESOLVER_OPTIONS = Object.freeze({
  maxPods: 1000,
  checkClientAddress: true,
  retry: ((): RetryPolicy => {
    const backoff = exponentialBackoff({ initial: 500, max: 4000 });
    return (attempt) => (attempt > 4 ? null : backoff(attempt));
  })(),
  scheduler: asyncScheduler as SchedulerLike,
  podIndex: true,
  unknownPodReads: 5,
});
const names = optionNames({
  maxPods: true,
  checkClientAddress: true,
  retry: true,
  scheduler: true,
  podIndex: true,
  unknownPodReads: true,
} satisfies Record<keyof KubernetesMountResolverOptions, true>);

interface Entry {
  /** The first read, shared by concurrent lookups. */
  readonly read: Promise<Pod | undefined>;
  /** The pod as last seen (updated by the watch: its IPs come once it runs). */
  pod: Pod | undefined;
  /** Where the watch resumes: the list's version, then the last event's or bookmark's. */
  resourceVersion: string;
  watch: WatchHandle | null;
}

/**
 * Maps pod paths to node paths by reading pods from the API server, as the
 * Go fsnotify-proxy does (see `mountsOfPod` for the volumes that count), and
 * checks that a client speaks for a pod from that pod's own IP. A pod is read
 * as a controller reads it: a list by name, then a watch from the list's
 * resourceVersion (with bookmarks), resumed from the last version seen when
 * the server ends it; the entry is dropped when the pod is deleted or
 * replaced, or the watch fails (410 Gone included), and the next lookup reads
 * the pod again. A read answered 429, 5xx or not at all is retried (see
 * `retry`), each failure reported in `warnings$`.
 *
 * A pod that does not exist is not cached: the cluster's pod names are (see
 * `podIndex`, `PodLookupGate`), so that naming such pods costs at most
 * `unknownPodReads` requests a second. While that index is not in step with
 * the server (starting, or listing again after a failure), pods are read by name.
 */
export class KubernetesMountResolver implements MountResolver, AsyncDisposable {
  /** The proxy's advice when a pod or container is unknown (instead of the mounts file's). */
  readonly unknownContainerHint =
    "Check the client's NAMESPACE, POD_NAME and CONTAINER_NAME: the API server has no such pod, or the pod no such container.";
  /** Failed pod reads, each one retried or the last. Hot. */
  readonly warnings$: Observable<KubernetesApiError>;
  readonly #client: KubeClient;
  readonly #maxPods: number;
  readonly #checkAddress: boolean;
  readonly #retry: RetryPolicy;
  readonly #scheduler: SchedulerLike;
  readonly #warnings = new Subject<KubernetesApiError>();
  /** `namespace/pod` -> entry, in least recently used order. */
  readonly #pods = new Map<string, Entry>();
  /** Reads waiting for a retry, and how to end them: close() cancels the timer and rejects. */
  readonly #retries = new Map<RetryLoop, (err: Error) => void>();
  /** Whether a lookup may cost a request (the cluster's pod names); started by the first lookup. */
  readonly #gate: PodLookupGate;
  #closed = false;
  #closing: Promise<void> | null = null;

  /** @throws OptionsError for an unknown option or a `maxPods` that is not a whole number >= 1. */
  constructor(client: KubeClient, options: KubernetesMountResolverOptions = {}) {
    rejectUnknownOptions(options, names);
    const defaults = DEFAULT_KUBERNETES_MOUNT_RESOLVER_OPTIONS;
    this.#client = client;
    this.#maxPods = resolveCount('maxPods', options.maxPods ?? defaults.maxPods, { min: 1 });
    this.#checkAddress = options.checkClientAddress ?? defaults.checkClientAddress;
    this.#retry = resolveFunction<RetryPolicy>(
      'retry',
      options.retry ?? defaults.retry,
      '(attempt) => delay in ms or null',
    );
    this.#scheduler = resolveScheduler('scheduler', options.scheduler ?? defaults.scheduler);
    const podIndex = options.podIndex ?? defaults.podIndex;
    if (typeof podIndex !== 'boolean') {
      throw new OptionsError('podIndex', podIndex, 'true or false');
    }
    this.#gate = new PodLookupGate(client, {
      podIndex,
      unknownPodReads: resolveCount(
        'unknownPodReads',
        options.unknownPodReads ?? defaults.unknownPodReads,
      ),
      retry: this.#retry,
      scheduler: this.#scheduler,
      warn: (error) => {
        if (!this.#closed) this.#warnings.next(error);
      },
    });
    this.warnings$ = this.#warnings.asObservable();
  }

  /** Pods cached now. */
  get cachedPods(): number {
    return this.#pods.size;
  }

  /**
   * The container's mounts, `undefined` for an unknown pod or container.
   *
   * @throws ClientIdentityError (a rejection) when `client.address` is not one of the pod's IPs.
   * @throws KubernetesApiError (a rejection) when the pod cannot be read.
   */
  async mountsOf(
    ref: ContainerRef,
    client?: MountClient,
  ): Promise<readonly PodMount[] | undefined> {
    const key = `${ref.namespace}/${ref.pod}`;
    if (!this.#closed && !(await this.#gate.admits(ref.namespace, ref.pod))) {
      // No such pod, and no budget left to make sure: a cached entry (a pod just deleted) goes too.
      this.#drop(key);
      return undefined;
    }
    const read = await this.#pod(ref.namespace, ref.pod);
    // The latest version seen: a pod read while Pending has its IPs once it runs.
    const pod = this.#pods.get(key)?.pod ?? read;
    if (pod === undefined) return undefined;
    const mounts = mountsOfPod(pod, ref.container);
    if (mounts === undefined) return undefined;
    const address = client?.address;
    if (this.#checkAddress && address !== undefined) {
      const ips = podIPs(pod);
      if (!addressAllowed(address, ips)) {
        throw new ClientIdentityError(ref, address, ips, 'status.podIPs');
      }
    }
    return mounts;
  }

  /**
   * Stops every pod watch and retry and empties the cache; later lookups read
   * the pod each time. Idempotent: the same promise every time.
   */
  close(): Promise<void> {
    if (this.#closing === null) {
      this.#closed = true;
      this.#gate.close();
      for (const key of [...this.#pods.keys()]) this.#drop(key);
      for (const [retry, reject] of this.#retries) {
        retry.cancel();
        reject(new Error('the mount resolver was closed while a pod read waited for its retry'));
      }
      this.#retries.clear();
      this.#warnings.complete();
      this.#closing = Promise.resolve();
    }
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #pod(namespace: string, name: string): Promise<Pod | undefined> {
    const key = `${namespace}/${name}`;
    const cached = this.#pods.get(key);
    if (cached !== undefined) {
      this.#pods.delete(key);
      this.#pods.set(key, cached);
      return cached.read;
    }
    const read = this.#read(namespace, name);
    if (this.#closed) return read.then((found) => found.pod);
    const entry: Entry = {
      read: read.then((found) => found.pod),
      pod: undefined,
      resourceVersion: '',
      watch: null,
    };
    this.#pods.set(key, entry);
    while (this.#pods.size > this.#maxPods) this.#drop(this.#pods.keys().next().value as string);
    read.then(
      (found) => {
        if (this.#pods.get(key) !== entry) return;
        if (found.pod === undefined) this.#pods.delete(key);
        else {
          entry.pod = found.pod;
          entry.resourceVersion = found.resourceVersion;
          this.#follow(key, entry);
        }
      },
      () => {
        if (this.#pods.get(key) === entry) this.#pods.delete(key);
      },
    );
    return entry.read;
  }

  /** Reads the pod, retrying what may pass (429, 5xx, no answer) on the retry policy. */
  #read(namespace: string, name: string): Promise<PodRead> {
    const retry = new RetryLoop({
      policy: this.#retry,
      option: 'retry',
      scheduler: this.#scheduler,
    });
    return new Promise<PodRead>((resolve, reject) => {
      const attempt = (): void => {
        this.#retries.delete(retry);
        this.#client.readPod(namespace, name).then(resolve, (err: unknown) => {
          const error =
            err instanceof KubernetesApiError ? err : new KubernetesApiError(`list pods`, err);
          const transient = error.transient && !this.#closed;
          const step = transient ? retry.failed(attempt) : null;
          if (step?.retry) {
            this.#retries.set(retry, reject);
            log('%s (retrying in %d ms)', error.message, step.delay);
          }
          if (!this.#closed) this.#warnings.next(error);
          if (!step?.retry) reject(error);
        });
      };
      attempt();
    });
  }

  /**
   * Watches the pod from the version read: a deletion or another uid drops
   * the entry, a modification updates it; when the server ends the watch
   * (its timeout), it resumes from the last version seen. 410 or a failure drops it.
   */
  #follow(key: string, entry: Entry): void {
    const [namespace, name] = key.split('/') as [string, string];
    const uid = entry.pod?.metadata?.uid;
    // A watch the server ends after telling something (a bookmark at least, as a real server sends
    // before its timeout) resumes; one that ends having said nothing is not retried in a loop.
    let heard = false;
    this.#client
      .watchPod(
        namespace,
        name,
        entry.resourceVersion,
        (type, object) => {
          heard = true;
          const version = object.metadata?.resourceVersion;
          if (type === 'BOOKMARK' || type === 'ADDED' || type === 'MODIFIED') {
            if (version !== undefined && version !== '') entry.resourceVersion = version;
          }
          if (type === 'BOOKMARK') return;
          // Volumes of a pod never change; a deletion, or a pod of the same name with another uid, does.
          if (type === 'DELETED' || type === 'ERROR' || object.metadata?.uid !== uid) {
            log('pod %s %s: mounts forgotten', key, type.toLowerCase());
            this.#drop(key, entry);
            return;
          }
          entry.pod = object;
        },
        (err: unknown) => {
          entry.watch = null;
          if (this.#pods.get(key) !== entry) return;
          const timedOut = (err as Error | null)?.name === 'TimeoutError';
          const ended = (err === null || err === undefined) && heard;
          if ((ended || timedOut) && !this.#closed) {
            log('pod %s watch ended: resuming from %s', key, entry.resourceVersion);
            this.#follow(key, entry);
            return;
          }
          log('pod %s watch failed (HTTP %s): mounts forgotten', key, statusOf(err) ?? '-');
          this.#drop(key, entry);
        },
      )
      .then(
        (handle) => {
          if (this.#pods.get(key) === entry && !this.#closed) entry.watch = handle;
          else handle.abort();
        },
        () => this.#drop(key, entry),
      );
  }

  #drop(key: string, only?: Entry): void {
    const entry = this.#pods.get(key);
    if (entry === undefined || (only !== undefined && entry !== only)) return;
    this.#pods.delete(key);
    entry.watch?.abort();
    entry.watch = null;
  }
}
