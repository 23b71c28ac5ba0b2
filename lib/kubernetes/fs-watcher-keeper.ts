import createDebug from 'debug';
import type { Observable, SchedulerLike } from 'rxjs';
import { Subject } from 'rxjs/internal/Subject';
import { asyncScheduler } from 'rxjs/internal/scheduler/async';
import { exponentialBackoff, type RetryPolicy } from '../backoff.ts';
import type { ChannelWatchers, WatcherClient } from '../jfs-proxy/channel-watchers.ts';
import { type ContainerRef, parseChannelId } from '../jfs-proxy/mount-table.ts';
import {
  optionNames,
  rejectUnknownOptions,
  resolveFunction,
  resolveScheduler,
} from '../options.ts';
import { RetryLoop } from '../retry-loop.ts';
import {
  FSWATCHER_STATE,
  fsWatcherName,
  fsWatcherObject,
  isValidObjectName,
} from './fs-watcher.ts';
import type { KubeClient } from './kube-client.ts';
import { FsWatcherNameError, KubernetesApiError, statusOf } from './kubernetes-errors.ts';

const log = createDebug('batchwatch:kubernetes');

/** Options of {@link FsWatcherKeeper}. */
export interface FsWatcherKeeperOptions {
  /** Delay before retrying a failed API call; `null` gives up (with a warning). Default: 0.5 s doubling to 10 s, 5 tries. */
  readonly retry?: RetryPolicy;
  /** Where the retry timers and the `close()` timeout run. Default: rxjs `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
}

/** One FSWatcher resource: what it should hold, which client wrote it last, and its sync loop. */
interface Resource {
  readonly namespace: string;
  readonly name: string;
  readonly ref: ContainerRef;
  /** Node paths it should list; `null`: it should not exist. */
  want: readonly string[] | null;
  /** The clients watching the channel and their node paths, the latest writer last: it mirrors that one. */
  readonly writers: Map<WatcherClient, readonly string[]>;
  /** Whether it exists as far as this proxy knows (`undefined`: unknown). */
  exists: boolean | undefined;
  /** The resourceVersion of this proxy's last write: its delete is conditional on it. */
  version: string | undefined;
  syncing: Promise<void> | null;
  dirty: boolean;
}

/** The defaults of {@link FsWatcherKeeperOptions}. */
export const DEFAULT_FS_WATCHER_KEEPER_OPTIONS = Object.freeze({
  /** 0.5 s doubling to 10 s; gives up after the fifth retry. */
  retry: ((): RetryPolicy => {
    const backoff = exponentialBackoff({ initial: 500, max: 10_000 });
    return (attempt) => (attempt > 5 ? null : backoff(attempt));
  })(),
  scheduler: asyncScheduler as SchedulerLike,
});

const names = optionNames({
  retry: true,
  scheduler: true,
} satisfies Record<keyof FsWatcherKeeperOptions, true>);

/**
 * Keeps one FSWatcher resource per watching channel, as the Go
 * fsnotify-proxy does, for daemons (Go's or ours) to follow: name
 * `<pod>-<container>-<watcher>` lowercased, in the pod's namespace,
 * `spec.pod`, `spec.container`, `spec.paths` = the channel's node paths.
 * Created on the first WATCH, patched on WATCH and UNWATCH, deleted on CLEAR,
 * on the UNWATCH of its last path and when its client disconnects (Go leaks
 * it then, and keeps it after the last UNWATCH). When several connections
 * watch the same channel (a client reconnected before its old connection was
 * seen closing), the resource mirrors the latest one still watching. Plug it
 * into the proxy as its `watchers` option.
 *
 * @example
 * const client = KubeClient.load();
 * const keeper = new FsWatcherKeeper(client);
 * const proxy = await JfsProxy.start({ mounts: new KubernetesMountResolver(client), watchers: keeper });
 */
export class FsWatcherKeeper implements ChannelWatchers, AsyncDisposable {
  /** API failures that concern no connected client (the others go to those clients' `warn`). Hot. */
  readonly warnings$: Observable<KubernetesApiError>;
  readonly #client: KubeClient;
  readonly #retry: RetryPolicy;
  readonly #resources = new Map<string, Resource>();
  readonly #byClient = new Map<WatcherClient, Set<Resource>>();
  readonly #warned = new WeakMap<WatcherClient, Set<string>>();
  readonly #warnings = new Subject<KubernetesApiError>();
  readonly #scheduler: SchedulerLike;
  /** Sync loops waiting for a retry: cancelling wakes them to end once the keeper is stopped. */
  readonly #waiting = new Map<RetryLoop, () => void>();
  #stopped = false;
  #closing: Promise<void> | null = null;

  /** @throws OptionsError for an unknown option or a `retry` that is not a function. */
  constructor(client: KubeClient, options: FsWatcherKeeperOptions = {}) {
    rejectUnknownOptions(options, names);
    const defaults = DEFAULT_FS_WATCHER_KEEPER_OPTIONS;
    this.#client = client;
    this.#retry = resolveFunction<RetryPolicy>(
      'retry',
      options.retry ?? defaults.retry,
      '(attempt) => delay in ms or null',
    );
    this.#scheduler = resolveScheduler('scheduler', options.scheduler ?? defaults.scheduler);
    this.warnings$ = this.#warnings.asObservable();
  }

  pathsChanged(client: WatcherClient, channelId: string, nodePaths: readonly string[]): void {
    const resource = this.#resource(client, channelId);
    if (resource === undefined) return;
    resource.writers.delete(client);
    const held = this.#byClient.get(client) ?? new Set();
    this.#byClient.set(client, held);
    if (nodePaths.length === 0) held.delete(resource);
    else {
      held.add(resource);
      resource.writers.set(client, [...nodePaths].sort());
    }
    this.#mirror(resource);
  }

  /**
   * CLEAR deletes the channel's resource, as in Go (a leftover of an earlier
   * connection or proxy), unless another connection to this proxy still
   * watches that channel: then it mirrors that one.
   */
  cleared(client: WatcherClient, channelId: string): void {
    const resource = this.#resource(client, channelId);
    if (resource === undefined) return;
    resource.writers.delete(client);
    this.#byClient.get(client)?.delete(resource);
    if (resource.writers.size === 0) this.#want(resource, null);
    else this.#mirror(resource);
  }

  closed(client: WatcherClient): void {
    for (const resource of this.#byClient.get(client) ?? []) {
      resource.writers.delete(client);
      this.#mirror(resource);
    }
    this.#byClient.delete(client);
  }

  /** Wants what the latest writer still watching has, or no resource when none is left. */
  #mirror(resource: Resource): void {
    const latest = [...resource.writers.values()].at(-1) ?? null;
    const same =
      latest === null
        ? resource.want === null && resource.exists === false
        : resource.want !== null &&
          resource.exists === true &&
          latest.length === resource.want.length &&
          latest.every((path, i) => path === resource.want?.[i]);
    if (!same || resource.syncing !== null) this.#want(resource, latest);
  }

  /** Resolves once every resource is as wanted (or its retries gave up). */
  async settled(): Promise<void> {
    for (;;) {
      const pending = [...this.#resources.values()].flatMap((r) => r.syncing ?? []);
      if (pending.length === 0) return;
      await Promise.all(pending);
    }
  }

  /** The resource of a channel; `undefined` (with a warning to the client, once) if its name is invalid. */
  #resource(client: WatcherClient, channelId: string): Resource | undefined {
    const ref = parseChannelId(channelId);
    if (ref === undefined) return undefined;
    const name = fsWatcherName(ref);
    if (!isValidObjectName(name)) {
      const warned = this.#warned.get(client) ?? new Set();
      this.#warned.set(client, warned);
      if (!warned.has(channelId)) {
        warned.add(channelId);
        client.warn(new FsWatcherNameError(channelId, name, client.remote));
      }
      return undefined;
    }
    const key = `${ref.namespace}/${name}`;
    let resource = this.#resources.get(key);
    if (resource === undefined) {
      resource = {
        namespace: ref.namespace,
        name,
        ref,
        want: null,
        writers: new Map(),
        exists: undefined,
        version: undefined,
        syncing: null,
        dirty: false,
      };
      this.#resources.set(key, resource);
    }
    return resource;
  }

  #want(resource: Resource, paths: readonly string[] | null): void {
    resource.want = paths;
    resource.dirty = true;
    resource.syncing ??= this.#sync(resource).finally(() => {
      resource.syncing = null;
      if (resource.want === null && resource.exists === false && resource.writers.size === 0) {
        this.#resources.delete(`${resource.namespace}/${resource.name}`);
      }
    });
  }

  /** Writes the wanted state until it is reached, the latest wish first; one loop per resource. */
  async #sync(resource: Resource): Promise<void> {
    const retry = new RetryLoop({
      policy: this.#retry,
      option: 'retry',
      scheduler: this.#scheduler,
    });
    while (resource.dirty && !this.#stopped) {
      resource.dirty = false;
      const want = resource.want;
      const what = `${want === null ? 'delete' : 'write'} FSWatcher ${resource.namespace}/${resource.name}`;
      try {
        await this.#write(resource, want);
        retry.succeeded();
        log('%s: done%s', what, want === null ? '' : ` (${want.join(', ')})`);
      } catch (err) {
        const error = new KubernetesApiError(what, err);
        resource.exists = undefined;
        resource.version = undefined;
        let wake = (): void => {};
        const waited = new Promise<void>((resolve) => {
          wake = resolve;
        });
        const step = retry.failed(() => wake());
        log('%s failed (try %d): %s', what, step.attempt, error.message);
        if (!step.retry || resource.dirty) {
          // A newer wish is tried at once; a policy that gave up starts over on the next wish.
          retry.cancel();
          if (!step.retry) this.#report(resource, error);
          if (!resource.dirty) retry.succeeded();
          continue;
        }
        if (step.attempt === 1) this.#report(resource, error);
        this.#waiting.set(retry, wake);
        await waited;
        this.#waiting.delete(retry);
        resource.dirty = true;
      }
    }
  }

  async #write(resource: Resource, want: readonly string[] | null): Promise<void> {
    const { namespace, name, ref } = resource;
    if (want === null) {
      // Only the version this proxy wrote: one written since (another proxy, for a client that
      // reconnected there, say during this proxy's start-up resync) is that proxy's to delete.
      const deleted = await this.#client.deleteFsWatcher(namespace, name, resource.version);
      if (!deleted && resource.version !== undefined)
        log('%s/%s: newer version left', namespace, name);
      resource.exists = false;
      resource.version = undefined;
      return;
    }
    const patch = {
      spec: { pod: ref.pod, container: ref.container, paths: want },
      status: { state: FSWATCHER_STATE },
    };
    if (resource.exists === true) {
      try {
        resource.version = await this.#client.patchFsWatcher(namespace, name, patch);
        return;
      } catch (err) {
        if (statusOf(err) !== 404) throw err;
      }
    }
    try {
      resource.version = await this.#client.createFsWatcher(
        namespace,
        fsWatcherObject(name, ref, want),
      );
    } catch (err) {
      // Left over from an earlier proxy or connection: take it over.
      if (statusOf(err) !== 409) throw err;
      resource.version = await this.#client.patchFsWatcher(namespace, name, patch);
    }
    resource.exists = true;
  }

  #report(resource: Resource, error: KubernetesApiError): void {
    if (resource.writers.size === 0) this.#warnings.next(error);
    for (const client of resource.writers.keys()) client.warn(error);
  }

  /** Waits for pending writes (at most `timeoutMs`), then stops retrying. Idempotent: the same promise. */
  close(timeoutMs = 5000): Promise<void> {
    this.#closing ??= this.#close(timeoutMs);
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #close(timeoutMs: number): Promise<void> {
    let timer: { unsubscribe(): void } | undefined;
    await Promise.race([
      this.settled(),
      new Promise<void>((resolve) => {
        timer = this.#scheduler.schedule(resolve, timeoutMs);
      }),
    ]);
    timer?.unsubscribe();
    this.#stopped = true;
    for (const [retry, wake] of this.#waiting) {
      retry.cancel();
      wake();
    }
    this.#waiting.clear();
    this.#warnings.complete();
  }
}
