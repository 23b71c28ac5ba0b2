import createDebug from 'debug';
import type { SchedulerLike } from 'rxjs';
import type { RetryPolicy } from '../backoff.ts';
import { RetryLoop } from '../retry-loop.ts';
import type { KubeClient, Pod, WatchHandle } from './kube-client.ts';
import { KubernetesApiError, statusOf } from './kubernetes-errors.ts';

const log = createDebug('batchwatch:kubernetes');

/** When the `retry` policy gives up on the index, it lists again after this long, counting anew. */
export const POD_INDEX_IDLE_RETRY_MS = 30_000;

/** What a {@link PodIndex} needs besides the client. */
export interface PodIndexOptions {
  /** Delay before listing again after a failed list or watch; `null`: wait {@link POD_INDEX_IDLE_RETRY_MS}. */
  readonly retry: RetryPolicy;
  /** Where the retry timers run. */
  readonly scheduler: SchedulerLike;
  /** Pods per page of the list. */
  readonly pageSize: number;
  /** Receives each failed list or watch (the index lists again), and the end of an index that cannot list. */
  readonly warn: (error: KubernetesApiError) => void;
}

/**
 * The names (`namespace/name`) of every pod of the cluster, kept as a
 * controller keeps a cache: one paged list, then one watch from the list's
 * version (with bookmarks), resumed from the last version seen when the
 * server ends it, listed again after 410 Gone or a failure. A name it does
 * not hold is answered without a request: however many pods that do not
 * exist clients name, the API server sees one watch per watch timeout. A pod
 * that is created is in it once its ADDED event arrives; one deleted is out
 * once its DELETED event arrives. Memory: one short string per pod of the
 * cluster, whatever the clients send.
 *
 * While it is not in step with the server (its first list still running,
 * or listing again after a failure) {@link has} answers `undefined`: the
 * caller then asks the server itself. A list refused for good (403: no
 * cluster-wide `list pods` permission) turns it off, with one warning.
 *
 * ```
 *  start ─► list (paged) ─ok─► watch from its version ─ended (timeout, bookmark)─► watch again
 *             ▲    │fail                 │410 / ERROR                │fail / silent end
 *             │    ▼                     ▼                           ▼
 *             └── retry (not in step) ◄── list at once           retry (not in step)
 * ```
 */
export class PodIndex {
  readonly #client: KubeClient;
  readonly #options: PodIndexOptions;
  readonly #retry: RetryLoop;
  #keys = new Set<string>();
  #inStep = false;
  #off = false;
  #closed = false;
  #resourceVersion = '';
  /** Bumped by each list: callbacks of an older list's watch are ignored. */
  #generation = 0;
  #watch: WatchHandle | null = null;
  #started: Promise<void> | null = null;
  #firstSettled: () => void = () => {};

  constructor(client: KubeClient, options: PodIndexOptions) {
    this.#client = client;
    this.#options = options;
    this.#retry = new RetryLoop({
      policy: (attempt) => options.retry(attempt) ?? POD_INDEX_IDLE_RETRY_MS,
      option: 'retry',
      scheduler: options.scheduler,
    });
  }

  /** Starts following the pods (once); resolves when the first list has succeeded or failed. */
  start(): Promise<void> {
    if (this.#started === null) {
      this.#started = new Promise<void>((resolve) => {
        this.#firstSettled = resolve;
      });
      void this.#list();
    }
    return this.#started;
  }

  /** Whether the pod exists: `undefined` when the index is not in step with the server. */
  has(namespace: string, name: string): boolean | undefined {
    if (!this.#inStep || this.#off || this.#closed) return undefined;
    return this.#keys.has(`${namespace}/${name}`);
  }

  /** Pods indexed now. */
  get size(): number {
    return this.#keys.size;
  }

  /** Stops the watch and any retry; idempotent. */
  close(): void {
    this.#closed = true;
    this.#inStep = false;
    this.#generation++;
    this.#retry.cancel();
    this.#watch?.abort();
    this.#watch = null;
    this.#keys = new Set();
    this.#firstSettled();
  }

  async #list(): Promise<void> {
    const generation = ++this.#generation;
    this.#watch?.abort();
    this.#watch = null;
    this.#inStep = false;
    const keys = new Set<string>();
    let next: string | undefined;
    let version = '';
    try {
      do {
        const page = await this.#client.listPods(this.#options.pageSize, next);
        if (generation !== this.#generation) return;
        for (const pod of page.pods) {
          const key = keyOf(pod);
          if (key !== null) keys.add(key);
        }
        version = page.resourceVersion;
        next = page.next;
      } while (next !== undefined);
    } catch (err) {
      this.#failed(err, generation);
      return;
    }
    this.#keys = keys;
    this.#resourceVersion = version;
    this.#inStep = true;
    this.#retry.succeeded();
    log('pod index: %d pod(s) at version %s', keys.size, version);
    this.#firstSettled();
    this.#follow(generation);
  }

  #follow(generation: number): void {
    // A watch the server ends after telling something (a bookmark at least, as a real server
    // sends before its timeout) resumes; one that ends having said nothing is a failure.
    let heard = false;
    const current = (): boolean => generation === this.#generation && !this.#closed;
    this.#client
      .watchPods(
        this.#resourceVersion,
        (type, pod) => {
          if (!current()) return;
          heard = true;
          if (type === 'ERROR') {
            // 410 Gone as an event: the version is older than the server's window.
            log('pod index: watch said %s: listing again', statusOf(pod) ?? 'ERROR');
            void this.#list();
            return;
          }
          const version = pod.metadata?.resourceVersion;
          if (version !== undefined && version !== '') this.#resourceVersion = version;
          const key = keyOf(pod);
          if (key === null) return;
          if (type === 'ADDED' || type === 'MODIFIED') this.#keys.add(key);
          else if (type === 'DELETED') this.#keys.delete(key);
        },
        (err: unknown) => {
          if (!current()) return;
          this.#watch = null;
          const timedOut = (err as Error | null)?.name === 'TimeoutError';
          if ((err === null || err === undefined) && heard) this.#follow(generation);
          else if (timedOut) this.#follow(generation);
          else if (statusOf(err) === 410) void this.#list();
          else this.#failed(err ?? new Error('the pod watch ended without a word'), generation);
        },
      )
      .then(
        (handle) => {
          if (current()) this.#watch = handle;
          else handle.abort();
        },
        (err: unknown) => {
          if (current()) this.#failed(err, generation);
        },
      );
  }

  #failed(err: unknown, generation: number): void {
    if (generation !== this.#generation || this.#closed) return;
    this.#inStep = false;
    const error =
      err instanceof KubernetesApiError ? err : new KubernetesApiError('list pods', err);
    this.#firstSettled();
    if (error.status !== undefined && !error.transient) {
      // Refused for good (403 without a cluster-wide list permission, say): pods are read by name.
      this.#off = true;
      this.#keys = new Set();
      log('pod index off: %s', error.message);
      this.#options.warn(error);
      return;
    }
    const step = this.#retry.failed(() => {
      if (!this.#closed) void this.#list();
    });
    log('pod index: %s (listing again in %d ms)', error.message, step.retry ? step.delay : -1);
    this.#options.warn(error);
  }
}

/** `namespace/name` of a pod, or `null` for an object without both. */
function keyOf(pod: Pod): string | null {
  const namespace = pod.metadata?.namespace;
  const name = pod.metadata?.name;
  if (typeof namespace !== 'string' || typeof name !== 'string') return null;
  return `${namespace}/${name}`;
}
