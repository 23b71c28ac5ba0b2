import createDebug from 'debug';
import type { ContainerRef, MountResolver, PodMount } from '../jfs-proxy/mount-table.ts';
import { optionNames, rejectUnknownOptions, resolveCount } from '../options.ts';
import type { KubeClient, Pod, WatchHandle } from './kube-client.ts';
import { mountsOfPod } from './pod-mounts.ts';

const log = createDebug('batchwatch:kubernetes');

/** Options of {@link KubernetesMountResolver}. */
export interface KubernetesMountResolverOptions {
  /** Pods kept in the cache; beyond, the least recently used is dropped. Default 1000. */
  readonly maxPods?: number;
}

/** The defaults of {@link KubernetesMountResolverOptions}. */
export const DEFAULT_KUBERNETES_MOUNT_RESOLVER_OPTIONS = { maxPods: 1000 } as const;
const names = optionNames({ maxPods: true } satisfies Record<
  keyof KubernetesMountResolverOptions,
  true
>);

interface Entry {
  /** The pod, `undefined` if it does not exist; shared by concurrent lookups. */
  readonly pod: Promise<Pod | undefined>;
  watch: WatchHandle | null;
}

/**
 * Maps pod paths to node paths by reading pods from the API server, as the
 * Go fsnotify-proxy does (see `mountsOfPod` for the volumes that count). A
 * pod read is cached, and followed with a watch on that one pod, so that its
 * deletion (and a new pod of the same name, with other volumes) is seen: the
 * entry is dropped when the pod is deleted or the watch fails, and the next
 * lookup reads the pod again. A missing pod is not cached.
 */
export class KubernetesMountResolver implements MountResolver, AsyncDisposable {
  readonly #client: KubeClient;
  readonly #maxPods: number;
  /** `namespace/pod` -> entry, in least recently used order. */
  readonly #pods = new Map<string, Entry>();
  #closed = false;
  #closing: Promise<void> | null = null;

  /** @throws OptionsError for an unknown option or a `maxPods` that is not a whole number >= 1. */
  constructor(client: KubeClient, options: KubernetesMountResolverOptions = {}) {
    rejectUnknownOptions(options, names);
    this.#client = client;
    this.#maxPods = resolveCount(
      'maxPods',
      options.maxPods ?? DEFAULT_KUBERNETES_MOUNT_RESOLVER_OPTIONS.maxPods,
      { min: 1 },
    );
  }

  /** Pods cached now. */
  get cachedPods(): number {
    return this.#pods.size;
  }

  async mountsOf(ref: ContainerRef): Promise<readonly PodMount[] | undefined> {
    const pod = await this.#pod(ref.namespace, ref.pod);
    return pod === undefined ? undefined : mountsOfPod(pod, ref.container);
  }

  /**
   * Stops every pod watch and empties the cache; later lookups read the pod
   * each time. Idempotent: the same promise every time.
   */
  close(): Promise<void> {
    if (this.#closing === null) {
      this.#closed = true;
      for (const key of [...this.#pods.keys()]) this.#drop(key);
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
      return cached.pod;
    }
    const pod = this.#client.readPod(namespace, name);
    if (this.#closed) return pod;
    const entry: Entry = { pod, watch: null };
    this.#pods.set(key, entry);
    while (this.#pods.size > this.#maxPods) this.#drop(this.#pods.keys().next().value as string);
    pod.then(
      (found) => {
        if (this.#pods.get(key) !== entry) return;
        if (found === undefined) this.#pods.delete(key);
        else this.#follow(key, entry, found);
      },
      () => {
        if (this.#pods.get(key) === entry) this.#pods.delete(key);
      },
    );
    return pod;
  }

  /** Watches the pod from the version read; a deletion or the end of the watch drops the entry. */
  #follow(key: string, entry: Entry, pod: Pod): void {
    const [namespace, name] = key.split('/') as [string, string];
    const uid = pod.metadata?.uid;
    this.#client
      .watchPod(
        namespace,
        name,
        pod.metadata?.resourceVersion ?? '',
        (type, object) => {
          // Volumes of a pod never change; a deletion, or a pod of the same name with another uid, does.
          if (type === 'DELETED' || type === 'ERROR' || object.metadata?.uid !== uid) {
            log('pod %s %s: mounts forgotten', key, type.toLowerCase());
            this.#drop(key, entry);
          }
        },
        (err: unknown) => {
          log('pod %s watch ended%s', key, err ? `: ${(err as Error).message}` : '');
          this.#drop(key, entry);
        },
      )
      .then(
        (handle) => {
          if (this.#pods.get(key) === entry) entry.watch = handle;
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
