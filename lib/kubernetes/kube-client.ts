import {
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  ListWatch,
  PatchStrategy,
  setHeaderOptions,
  Watch,
} from '@kubernetes/client-node';
import { OptionsError } from '../errors.ts';
import { optionNames, rejectUnknownOptions } from '../options.ts';
import { FSWATCHER, type FsWatcher } from './fs-watcher.ts';
import type { PodShape } from './pod-mounts.ts';

/** How to reach the API server. */
export interface KubeClientOptions {
  /**
   * A kubeconfig file. Default `$KUBECONFIG` when set (its first file), else
   * the pod's service account (in-cluster: `KUBERNETES_SERVICE_HOST`, the
   * mounted token and CA).
   */
  readonly kubeconfig?: string;
  /** The environment to read. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const names = optionNames({
  kubeconfig: true,
  env: true,
} satisfies Record<keyof KubeClientOptions, true>);

/** A pod as read from the API server. */
export type Pod = PodShape & { readonly metadata?: { readonly resourceVersion?: string } };

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

/**
 * The calls batchwatch makes to the API server, on the official client
 * (`@kubernetes/client-node`): pods get/list/watch, FSWatchers
 * list/watch/create/patch/delete. Nothing else.
 */
export class KubeClient {
  /** The API server's URL. */
  readonly server: string;
  readonly #config: KubeConfig;
  readonly #core: CoreV1Api;
  readonly #custom: CustomObjectsApi;
  readonly #watch: Watch;

  private constructor(config: KubeConfig) {
    this.#config = config;
    this.server = config.getCurrentCluster()?.server ?? '';
    this.#core = config.makeApiClient(CoreV1Api);
    this.#custom = config.makeApiClient(CustomObjectsApi);
    this.#watch = new Watch(config);
  }

  /**
   * Loads the configuration: `kubeconfig`, else `$KUBECONFIG`, else in-cluster.
   *
   * @throws OptionsError naming `kubeconfig` when it cannot be loaded or names no cluster, or
   *   naming an unknown option.
   */
  static load(options: KubeClientOptions = {}): KubeClient {
    rejectUnknownOptions(options, names);
    const env = options.env ?? process.env;
    const file = options.kubeconfig ?? env['KUBECONFIG']?.split(':').find((part) => part !== '');
    const config = new KubeConfig();
    try {
      if (file === undefined) config.loadFromCluster();
      else config.loadFromFile(file);
    } catch (err) {
      throw new OptionsError(
        'kubeconfig',
        file ?? '(in-cluster)',
        `a readable kubeconfig (${(err as Error).message})`,
      );
    }
    const server = config.getCurrentCluster()?.server;
    if (server === undefined || server === '' || server.includes('undefined')) {
      throw new OptionsError(
        'kubeconfig',
        file ?? '(in-cluster)',
        file === undefined
          ? 'KUBECONFIG, or a pod with KUBERNETES_SERVICE_HOST and a service account'
          : 'a kubeconfig whose current context names a cluster with a server',
      );
    }
    if (config.clusters.some((cluster) => cluster.server.startsWith('http://'))) {
      // kubectl talks plain HTTP to an http:// server; client-node refuses unless TLS checks are
      // off, which mean nothing without TLS. Say so for those clusters only.
      config.loadFromOptions({
        clusters: config.clusters.map((cluster) =>
          cluster.server.startsWith('http://') ? { ...cluster, skipTLSVerify: true } : cluster,
        ),
        users: config.users,
        contexts: config.contexts,
        currentContext: config.currentContext,
      });
    }
    return new KubeClient(config);
  }

  /** The pod, or `undefined` when there is none of that name. */
  async readPod(namespace: string, name: string): Promise<Pod | undefined> {
    try {
      return (await this.#core.readNamespacedPod({ namespace, name })) as Pod;
    } catch (err) {
      if ((err as { code?: unknown }).code === 404) return undefined;
      throw err;
    }
  }

  /** Watches one pod from `resourceVersion`: `onEvent` per event, `onDone` once at the end. */
  watchPod(
    namespace: string,
    name: string,
    resourceVersion: string,
    onEvent: (type: string, object: Pod) => void,
    onDone: (err: unknown) => void,
  ): Promise<WatchHandle> {
    return this.#watch.watch(
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
      { fieldSelector: `metadata.name=${name}`, resourceVersion },
      onEvent,
      onDone,
    );
  }

  /** A (not started) informer over the pods, of one node when `nodeName` is given. */
  podInformer(nodeName?: string): Informer<Pod> {
    const fieldSelector = nodeName === undefined ? undefined : `spec.nodeName=${nodeName}`;
    const list = () =>
      this.#core.listPodForAllNamespaces(fieldSelector === undefined ? {} : { fieldSelector });
    return new ListWatch(
      '/api/v1/pods',
      this.#watch,
      list as never,
      false,
      undefined,
      fieldSelector,
    );
  }

  /** A (not started) informer over every FSWatcher of the cluster. */
  fsWatcherInformer(): Informer<FsWatcher> {
    const list = () =>
      this.#custom.listClusterCustomObject({
        group: FSWATCHER.group,
        version: FSWATCHER.version,
        plural: FSWATCHER.plural,
      });
    return new ListWatch(
      `/apis/${FSWATCHER.group}/${FSWATCHER.version}/${FSWATCHER.plural}`,
      this.#watch,
      list as never,
      false,
    );
  }

  /** Creates an FSWatcher; rejects with the client's error (its `code` is the HTTP status: 409 if it exists). */
  async createFsWatcher(namespace: string, body: FsWatcher): Promise<void> {
    await this.#custom.createNamespacedCustomObject({ ...this.#fsw(namespace), body });
  }

  /** Applies a JSON merge patch to an FSWatcher (404 when it is gone). */
  async patchFsWatcher(namespace: string, name: string, patch: object): Promise<void> {
    await this.#custom.patchNamespacedCustomObject(
      { ...this.#fsw(namespace), name, body: patch },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  /** Deletes an FSWatcher; resolves `false` when there was none. */
  async deleteFsWatcher(namespace: string, name: string): Promise<boolean> {
    try {
      await this.#custom.deleteNamespacedCustomObject({ ...this.#fsw(namespace), name });
      return true;
    } catch (err) {
      if ((err as { code?: unknown }).code === 404) return false;
      throw err;
    }
  }

  /**
   * The loaded configuration, a `KubeConfig` of `@kubernetes/client-node`, for
   * callers that need more of the client (typed loosely: see {@link Informer}).
   */
  get config(): object {
    return this.#config;
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
