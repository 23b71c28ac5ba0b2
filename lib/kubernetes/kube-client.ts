import {
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  ListWatch,
  PatchStrategy,
  setHeaderOptions,
  Watch,
} from '@kubernetes/client-node';
import { FSWATCHER, type FsWatcher } from './fs-watcher.ts';
import type {
  Informer,
  Pod,
  PodPage,
  PodRead,
  WatchCallback,
  WatchHandle,
} from './kube-api-types.ts';
import type { KubeClientOptions } from './kube-client-options.ts';
import { type KubeRequest, KubernetesApiError } from './kubernetes-errors.ts';
import { loadKubeConfig } from './load-kube-config.ts';

export type {
  Informer,
  Pod,
  PodPage,
  PodRead,
  WatchCallback,
  WatchHandle,
} from './kube-api-types.ts';
export type { KubeClientOptions } from './kube-client-options.ts';

/** Query parameters of a request. */
type Query = Record<string, string | number | boolean | undefined>;

/**
 * The calls batchwatch makes to the API server, on the official client
 * (`@kubernetes/client-node`): pods get/list/watch, FSWatchers
 * list/watch/create/patch/delete. Nothing else.
 */
export class KubeClient {
  /** The API server's URL. */
  readonly server: string;
  /** Where the configuration came from: a kubeconfig file (the first), or `(in-cluster)`. */
  readonly source: string;
  readonly #config: KubeConfig;
  readonly #core: CoreV1Api;
  readonly #custom: CustomObjectsApi;
  readonly #watch: Watch;
  readonly #timeout: number;
  readonly #program: string | undefined;
  /** client-node's Watch with the parameters real controllers send (for its informers). */
  readonly #informerWatch: Pick<Watch, 'watch'>;

  private constructor(config: KubeConfig, source: string, timeout: number, program?: string) {
    this.#config = config;
    this.source = source;
    this.server = config.getCurrentCluster()?.server ?? '';
    this.#core = config.makeApiClient(CoreV1Api);
    this.#custom = config.makeApiClient(CustomObjectsApi);
    this.#watch = new Watch(config);
    // client-node ends a watch that sent nothing for 30 s; a quiet watch sends nothing until the
    // server's timeoutSeconds, so wait that long and a margin.
    (this.#watch as unknown as { requestTimeoutMs: number }).requestTimeoutMs =
      timeout * 1000 + 30_000;
    this.#timeout = timeout;
    this.#program = program;
    this.#informerWatch = {
      watch: (path, query, callback, done) =>
        this.#watch.watch(path, this.#watchQuery(query), callback, (err: unknown) =>
          // 410 and the client's own timeout are the informer's to handle (relist, resume).
          done(
            err === null ||
              err === undefined ||
              statusOfRaw(err) === 410 ||
              (err as Error).name === 'TimeoutError'
              ? err
              : this.#error('watch', path, query, err),
          ),
        ),
    };
  }

  /** How many seconds a watch lasts before the server ends it (and it resumes). */
  get watchTimeout(): number {
    return this.#timeout;
  }

  /** Milliseconds without data after which the client itself ends a watch: the server's timeout and 30 s. */
  get watchIdleTimeout(): number {
    return (this.#watch as unknown as { requestTimeoutMs: number }).requestTimeoutMs;
  }

  /**
   * Loads the configuration as kubectl does: `kubeconfig`, else `$KUBECONFIG`
   * (merged), else `$HOME/.kube/config`, else in-cluster.
   *
   * @throws OptionsError naming `kubeconfig` when it cannot be loaded or names no cluster, or
   *   naming an unknown option or a `watchTimeout` that is not a whole number of seconds >= 1.
   */
  static load(options: KubeClientOptions = {}): KubeClient {
    const { config, source, timeout, program } = loadKubeConfig(options);
    return new KubeClient(config, source, timeout, program);
  }

  /**
   * Reads one pod through a list by name, as a controller starts: the list's
   * resourceVersion (the server's current one) is where a watch of the pod
   * starts; a pod's own version may already be older than the server's
   * watch window (410 Gone).
   *
   * @throws KubernetesApiError naming the request, the status and the server's message.
   */
  async readPod(namespace: string, name: string): Promise<PodRead> {
    const fieldSelector = `metadata.name=${name}`;
    try {
      const list = await this.#core.listNamespacedPod({ namespace, fieldSelector });
      return {
        pod: list.items[0] as Pod | undefined,
        resourceVersion: list.metadata?.resourceVersion ?? '',
      };
    } catch (err) {
      throw this.#error(
        'list',
        `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
        { fieldSelector },
        err,
      );
    }
  }

  /**
   * Watches one pod from `resourceVersion` (with bookmarks, ended by the
   * server after `watchTimeout`): `onEvent` per event, `onDone` once at the
   * end (`null` when the server ended it; a KubernetesApiError otherwise).
   */
  watchPod(
    namespace: string,
    name: string,
    resourceVersion: string,
    onEvent: WatchCallback<Pod>,
    onDone: (err: unknown) => void,
  ): Promise<WatchHandle> {
    return this.#informerWatch.watch(
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
      { fieldSelector: `metadata.name=${name}`, resourceVersion },
      onEvent,
      onDone,
    );
  }

  /**
   * One page (at most `limit` pods) of every pod of the cluster, from `next` (the page before's
   * token); a paged list keeps a big cluster's answer small.
   *
   * @throws KubernetesApiError naming the request, the status and the server's message.
   */
  async listPods(limit: number, next?: string): Promise<PodPage> {
    const query = { limit, ...(next === undefined ? {} : { _continue: next }) };
    try {
      const list = await this.#core.listPodForAllNamespaces(query);
      const token = list.metadata?._continue;
      return {
        pods: list.items as Pod[],
        resourceVersion: list.metadata?.resourceVersion ?? '',
        next: token === undefined || token === '' ? undefined : token,
      };
    } catch (err) {
      throw this.#error('list', '/api/v1/pods', { limit }, err);
    }
  }

  /** Watches every pod of the cluster from `resourceVersion`, as {@link watchPod} one pod. */
  watchPods(
    resourceVersion: string,
    onEvent: WatchCallback<Pod>,
    onDone: (err: unknown) => void,
  ): Promise<WatchHandle> {
    return this.#informerWatch.watch('/api/v1/pods', { resourceVersion }, onEvent, onDone);
  }

  /** A (not started) informer over the pods, of one node when `nodeName` is given. */
  podInformer(nodeName?: string): Informer<Pod> {
    const fieldSelector = nodeName === undefined ? undefined : `spec.nodeName=${nodeName}`;
    const query = fieldSelector === undefined ? {} : { fieldSelector };
    const list = () =>
      this.#core
        .listPodForAllNamespaces(query)
        .catch((err: unknown) => Promise.reject(this.#error('list', '/api/v1/pods', query, err)));
    return new ListWatch(
      '/api/v1/pods',
      this.#informerWatch as Watch,
      list as never,
      false,
      undefined,
      fieldSelector,
    );
  }

  /** A (not started) informer over every FSWatcher of the cluster. */
  fsWatcherInformer(): Informer<FsWatcher> {
    const path = `/apis/${FSWATCHER.group}/${FSWATCHER.version}/${FSWATCHER.plural}`;
    const list = () =>
      this.#custom
        .listClusterCustomObject({
          group: FSWATCHER.group,
          version: FSWATCHER.version,
          plural: FSWATCHER.plural,
        })
        .catch((err: unknown) => Promise.reject(this.#error('list', path, {}, err)));
    return new ListWatch(path, this.#informerWatch as Watch, list as never, false);
  }

  /**
   * Creates an FSWatcher; resolves with its resourceVersion.
   *
   * @throws KubernetesApiError (`status` 409 if it exists).
   */
  async createFsWatcher(namespace: string, body: FsWatcher): Promise<string> {
    try {
      const created = (await this.#custom.createNamespacedCustomObject({
        ...this.#fsw(namespace),
        body,
      })) as FsWatcher;
      return created.metadata?.resourceVersion ?? '';
    } catch (err) {
      throw this.#error('create', this.#fswPath(namespace), {}, err);
    }
  }

  /**
   * Applies a JSON merge patch to an FSWatcher; resolves with its new resourceVersion.
   *
   * @throws KubernetesApiError (`status` 404 when it is gone).
   */
  async patchFsWatcher(namespace: string, name: string, patch: object): Promise<string> {
    try {
      const patched = (await this.#custom.patchNamespacedCustomObject(
        { ...this.#fsw(namespace), name, body: patch },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      )) as FsWatcher;
      return patched.metadata?.resourceVersion ?? '';
    } catch (err) {
      throw this.#error('patch', this.#fswPath(namespace, name), {}, err);
    }
  }

  /**
   * Deletes an FSWatcher; resolves `false` when there was none. With
   * `resourceVersion`, only that version of it (a precondition): a newer one
   * (written since by another proxy, for a client that reconnected there) is
   * left alone, and this resolves `false` too.
   *
   * @throws KubernetesApiError for other failures.
   */
  async deleteFsWatcher(
    namespace: string,
    name: string,
    resourceVersion?: string,
  ): Promise<boolean> {
    try {
      await this.#custom.deleteNamespacedCustomObject({
        ...this.#fsw(namespace),
        name,
        ...(resourceVersion === undefined || resourceVersion === ''
          ? {}
          : { body: { preconditions: { resourceVersion } } }),
      });
      return true;
    } catch (err) {
      const status = statusOfRaw(err);
      if (status === 404 || (status === 409 && resourceVersion !== undefined)) return false;
      throw this.#error('delete', this.#fswPath(namespace, name), {}, err);
    }
  }

  /**
   * The loaded configuration, a `KubeConfig` of `@kubernetes/client-node`, for
   * callers that need more of the client (typed loosely: see {@link Informer}).
   */
  get config(): object {
    return this.#config;
  }

  #watchQuery(query: Query): Query {
    return { ...query, allowWatchBookmarks: true, timeoutSeconds: this.#timeout };
  }

  #error(verb: string, path: string, query: Query, err: unknown): KubernetesApiError {
    const fsw = path.startsWith('/apis/');
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(verb === 'watch' ? this.#watchQuery(query) : query)) {
      if (value !== undefined) search.set(key, String(value));
    }
    if (verb === 'watch') search.set('watch', 'true');
    const request: KubeRequest = {
      verb,
      resource: fsw ? FSWATCHER.plural : 'pods',
      group: fsw ? FSWATCHER.group : '',
      method:
        ({ create: 'POST', patch: 'PATCH', delete: 'DELETE' } as Record<string, string>)[verb] ??
        'GET',
      path: `${path}${search.size === 0 ? '' : `?${search}`}`,
      program: this.#program,
    };
    return new KubernetesApiError(`${verb} ${request.resource}`, err, request);
  }

  #fswPath(namespace: string, name?: string): string {
    const base = `/apis/${FSWATCHER.group}/${FSWATCHER.version}/namespaces/${encodeURIComponent(namespace)}/${FSWATCHER.plural}`;
    return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
  }

  #fsw(namespace: string) {
    return {
      group: FSWATCHER.group,
      version: FSWATCHER.version,
      plural: FSWATCHER.plural,
      namespace,
    };
  }
}

/** The HTTP status of a raw client-node error. */
function statusOfRaw(err: unknown): number | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const record = err as { code?: unknown; statusCode?: unknown };
  if (typeof record.code === 'number') return record.code;
  if (typeof record.statusCode === 'number') return record.statusCode;
  return undefined;
}
