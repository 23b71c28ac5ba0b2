import createDebug from 'debug';
import type { Observable, SchedulerLike } from 'rxjs';
import { BehaviorSubject } from 'rxjs/internal/BehaviorSubject';
import { Subject } from 'rxjs/internal/Subject';
import { asyncScheduler } from 'rxjs/internal/scheduler/async';
import { exponentialBackoff, type RetryPolicy } from '../backoff.ts';
import { OptionsError } from '../errors.ts';
import {
  optionNames,
  rejectUnknownOptions,
  resolveFunction,
  resolveScheduler,
} from '../options.ts';
import { RetryLoop } from '../retry-loop.ts';
import type { LinkStatus } from '../status.ts';
import type { FsWatcher } from './fs-watcher.ts';
import type { Informer, KubeClient, Pod } from './kube-client.ts';
import { KubernetesApiError } from './kubernetes-errors.ts';

const log = createDebug('batchwatch:kubernetes');

/** Options of {@link FsWatcherPaths}. */
export interface FsWatcherPathsOptions {
  /** Follow only FSWatchers of pods scheduled on this node (`spec.nodeName`). Default: all, as the Go daemon does. */
  readonly node?: string;
  /** Delay before restarting a failed list or watch. Default: 1 s doubling to 30 s, for ever. */
  readonly retry?: RetryPolicy;
  /** Where the retry timers run. Default: rxjs `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
}

/** The defaults of {@link FsWatcherPathsOptions} (`node`: all nodes). */
export const DEFAULT_FS_WATCHER_PATHS_OPTIONS = Object.freeze({
  retry: exponentialBackoff(),
  scheduler: asyncScheduler as SchedulerLike,
});

const names = optionNames({
  node: true,
  retry: true,
  scheduler: true,
} satisfies Record<keyof FsWatcherPathsOptions, true>);

/**
 * The node paths that FSWatcher resources name, as the Go daemon follows
 * them: a list, then a watch from the list's resourceVersion (client-node's
 * informer); a watch answered 410 Gone relists and resyncs, any other failure
 * restarts after a backoff. With `node`, only the resources whose pod runs on
 * that node count (the pods of the node are followed the same way).
 * `paths$` emits the whole wanted set on every change; plug it into
 * `JfsDaemon` as its `pathSource`.
 */
export class FsWatcherPaths implements AsyncDisposable {
  /** The wanted node paths: the current set, then every change. */
  readonly paths$: Observable<ReadonlySet<string>>;
  /** List and watch failures (each is retried). Hot. */
  readonly warnings$: Observable<KubernetesApiError>;
  /**
   * `connecting` until the first lists are in, `ready` once every list is
   * in (and after a restart that listed again), `reconnecting` (with the
   * error and the delay) while a failed list or watch waits for its retry,
   * `closed` at the end. The current status, then every change.
   */
  readonly status$: Observable<LinkStatus>;
  readonly #watchers: Informer<FsWatcher>;
  readonly #pods: Informer<Pod> | null;
  /** One retry loop per informer: its failures in a row and its restart timer. */
  readonly #retries = new Map<object, RetryLoop>();
  readonly #paths = new BehaviorSubject<ReadonlySet<string>>(new Set());
  readonly #warnings = new Subject<KubernetesApiError>();
  readonly #status = new BehaviorSubject<LinkStatus>({ kind: 'connecting', attempt: 0 });
  readonly #scheduler: SchedulerLike;
  /** Informers whose last list failed (or that have not listed yet). */
  readonly #failing = new Set<object>();
  /** Failures reported, per informer: a start that added none listed. */
  readonly #failures = new Map<object, number>();
  #closed = false;
  #closing: Promise<void> | null = null;

  private constructor(
    client: KubeClient,
    node: string | undefined,
    policy: RetryPolicy,
    scheduler: SchedulerLike,
  ) {
    this.#watchers = client.fsWatcherInformer();
    this.#pods = node === undefined ? null : client.podInformer(node);
    this.#scheduler = scheduler;
    for (const informer of [this.#watchers, this.#pods]) {
      if (informer === null) continue;
      this.#retries.set(informer, new RetryLoop({ policy, option: 'retry', scheduler }));
      this.#failing.add(informer);
    }
    this.paths$ = this.#paths.asObservable();
    this.warnings$ = this.#warnings.asObservable();
    this.status$ = this.#status.asObservable();
  }

  /**
   * Lists (and starts watching) the FSWatchers, and the node's pods with
   * `node`; resolves once the first lists were tried: a failed first list
   * (429 "storage is (re)initializing" while an API server starts, say) is
   * retried in the background, reported in `warnings$` and `status$`, which
   * turns `ready` once every list is in.
   */
  static async start(
    client: KubeClient,
    options: FsWatcherPathsOptions = {},
  ): Promise<FsWatcherPaths> {
    rejectUnknownOptions(options, names);
    const defaults = DEFAULT_FS_WATCHER_PATHS_OPTIONS;
    const { node } = options;
    if (node !== undefined && (typeof node !== 'string' || node === '')) {
      throw new OptionsError('node', node, 'a node name');
    }
    const source = new FsWatcherPaths(
      client,
      node,
      resolveFunction<RetryPolicy>(
        'retry',
        options.retry ?? defaults.retry,
        '(attempt) => delay in ms or null',
      ),
      resolveScheduler('scheduler', options.scheduler ?? defaults.scheduler),
    );
    source.#follow(source.#watchers);
    if (source.#pods !== null) source.#follow(source.#pods);
    // A failed list does not reject: it is reported to 'error', which retries.
    await Promise.all([
      source.#start(source.#watchers),
      source.#pods && source.#start(source.#pods),
    ]);
    source.#update();
    return source;
  }

  /** The wanted node paths now. */
  get paths(): ReadonlySet<string> {
    return this.#paths.value;
  }

  /** Stops both watches and every retry timer; completes the observables. Idempotent: the same promise. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #close(): Promise<void> {
    this.#closed = true;
    for (const retry of this.#retries.values()) retry.cancel();
    await this.#watchers.stop();
    await this.#pods?.stop();
    this.#paths.complete();
    this.#warnings.complete();
    this.#setStatus({ kind: 'closed' });
    this.#status.complete();
  }

  /** The current status. */
  get status(): LinkStatus {
    return this.#status.value;
  }

  /** Starts (or restarts) an informer; one that listed without a failure counts as in. */
  async #start<T extends object>(informer: Informer<T>): Promise<void> {
    const before = this.#failures.get(informer) ?? 0;
    await informer.start();
    if (this.#closed || (this.#failures.get(informer) ?? 0) !== before) return;
    this.#retries.get(informer)?.succeeded();
    this.#failing.delete(informer);
    if (this.#failing.size === 0 && this.#status.value.kind !== 'ready') {
      this.#setStatus({ kind: 'ready', since: this.#scheduler.now() });
    }
  }

  #follow<T extends object>(informer: Informer<T>): void {
    informer.on('change', () => {
      this.#retries.get(informer)?.succeeded();
      this.#update();
    });
    informer.on('error', (err: unknown) => this.#failed(informer, err));
  }

  #update(): void {
    if (this.#closed) return;
    const onNode =
      this.#pods === null
        ? null
        : new Set(
            this.#pods.list().map((pod) => `${pod.metadata?.namespace}/${pod.metadata?.name}`),
          );
    const wanted = new Set<string>();
    for (const watcher of this.#watchers.list()) {
      const pod = `${watcher.metadata?.namespace}/${watcher.spec?.pod ?? ''}`;
      if (onNode !== null && !onNode.has(pod)) continue;
      for (const path of watcher.spec?.paths ?? []) {
        if (typeof path === 'string' && path.startsWith('/')) wanted.add(path);
      }
    }
    const current = this.#paths.value;
    if (wanted.size === current.size && [...wanted].every((path) => current.has(path))) return;
    log('FSWatchers name %d node path(s)', wanted.size);
    this.#paths.next(wanted);
  }

  /** The informer stopped on an error other than 410 (which it handles by relisting): restart it later. */
  #failed<T extends object>(informer: Informer<T>, err: unknown): void {
    if (this.#closed) return;
    this.#failures.set(informer, (this.#failures.get(informer) ?? 0) + 1);
    this.#failing.add(informer);
    const error =
      err instanceof KubernetesApiError
        ? err
        : new KubernetesApiError(
            `follow ${informer === this.#watchers ? 'FSWatchers' : 'pods'}`,
            err,
          );
    log('%s', error.message);
    this.#warnings.next(error);
    // A policy that gives up leaves the informer stopped: the warning above was the last word.
    const step = this.#retries.get(informer)?.failed((attempt) => {
      if (this.#closed) return;
      this.#setStatus({ kind: 'connecting', attempt });
      this.#start(informer).catch((again: unknown) => this.#failed(informer, again));
    });
    this.#setStatus(
      step?.retry
        ? { kind: 'reconnecting', attempt: step.attempt, delayMs: step.delay, error }
        : { kind: 'closed', error },
    );
  }

  /** The one place the status changes; nothing after `closed`. */
  #setStatus(next: LinkStatus): void {
    if (this.#status.value.kind === 'closed' && next.kind !== 'closed') return;
    this.#status.next(next);
  }
}
