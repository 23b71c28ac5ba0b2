import { hostname } from 'node:os';
import createDebug from 'debug';
import type { Observable, SchedulerLike } from 'rxjs';
import { BehaviorSubject } from 'rxjs/internal/BehaviorSubject';
import { distinctUntilChanged } from 'rxjs/internal/operators/distinctUntilChanged';
import { Subject } from 'rxjs/internal/Subject';
import { Subscription } from 'rxjs/internal/Subscription';
import { asapScheduler } from 'rxjs/internal/scheduler/asap';
import { asyncScheduler } from 'rxjs/internal/scheduler/async';
import { exponentialBackoff } from '../backoff.ts';
import { type JfsError, JfsServerError } from '../errors.ts';
import type { JfsEvent } from '../jfs-protocol/jfs-message.ts';
import type { LinkStatus } from '../status.ts';
import { atMost } from './at-most.ts';
import { BacklogOverflowError } from './backlog-overflow-error.ts';
import type { ChangeFeed } from './change-feed.ts';
import { ChangeOutbox } from './change-outbox.ts';
import {
  type JfsDaemonOptions,
  type ResolvedJfsDaemonOptions,
  resolveJfsDaemonOptions,
} from './jfs-daemon-options.ts';
import { NodeWatcher } from './node-watcher.ts';
import type { PathWatcher } from './path-watcher.ts';
import { daemonRedisParts } from './redis-daemon-parts.ts';
import type { WatchList } from './watch-list.ts';
import { WatchedPaths } from './watched-paths.ts';

const log = createDebug('batchwatch:jfs-daemon');

/** The delay before writing again after Redis refused a write: 100 ms doubling up to 2 s. */
const WRITE_RETRY = exponentialBackoff({ initial: 100, max: 2000, jitter: 0 });

/** Counters of a {@link JfsDaemon}. */
export interface JfsDaemonStats {
  /** Changes seen on watched paths. */
  readonly events: number;
  /** Changes Redis accepted: appended to the stream and published on the channel, in one transaction. */
  readonly published: number;
  /** Changes waiting for Redis now (at most `maxBacklog`, plus the write in flight). */
  readonly pending: number;
  /** Times the registered paths were re-read. */
  readonly resyncs: number;
  /** Node paths watched now. */
  readonly watched: number;
  /** Changes dropped because Redis was away (or refused writes) for longer than the backlog holds. */
  readonly dropped: number;
}

/**
 * The node side (Go's fsnotify-daemon): watches node paths non-recursively,
 * like inotify, with fsnotify's ops, and appends each change to the Redis
 * stream `<channel>:stream` (bounded, `MAXLEN ~`) that this project's proxies
 * read, and publishes it on the channel as Go's daemon does
 * (`[{"Name","Op","Key"}]`, ONE event per message, `Key` the parent
 * directory) for Go proxies. Its own gaps are marked in the stream: it
 * started (what happened while no daemon ran is unknown), or its backlog
 * overflowed while Redis was away. The paths are the given ones plus, unless
 * `followProxies` is off, those proxies register: a proxy's first WATCH of a
 * node path makes the daemon watch it (catching up on what changed since,
 * see `catchUp`), and its last UNWATCH or disconnect releases it.
 *
 * Redis is reached through two narrow interfaces, `ChangeFeed` (where
 * changes go) and `WatchList` (where registrations are read), so that other
 * transports and unit specs can stand in for it.
 */
export class JfsDaemon implements AsyncDisposable {
  /** Non-fatal problems: a failed watch, a lost Redis connection. Hot. */
  readonly warnings$: Observable<JfsError | Error>;
  /**
   * `connecting` until the static paths are watched and the start marker is
   * written, then the feed's link (`ready`, `reconnecting`), `closed` after
   * `close()`. Replays the current status.
   */
  readonly status$: Observable<LinkStatus>;

  readonly #options: ResolvedJfsDaemonOptions;
  readonly #scheduler: SchedulerLike;
  readonly #feed: ChangeFeed;
  readonly #outbox: ChangeOutbox;
  readonly #watchList: WatchList | null;
  readonly #watcher: PathWatcher;
  readonly #paths: WatchedPaths;
  readonly #warnings = new Subject<JfsError | Error>();
  readonly #status = new BehaviorSubject<LinkStatus>({ kind: 'connecting', attempt: 0 });
  readonly #subscription = new Subscription();
  #feedStatus: LinkStatus = { kind: 'connecting', attempt: 0 };
  /** The link is up but Redis refuses the writes (out of memory...): the last failure. */
  #writeRefused: LinkStatus | null = null;
  #started = false;
  #closing: Promise<void> | null = null;
  /** Set as close() begins (before `#closing` is assigned). */
  #closed = false;
  #counters = { events: 0 };

  private constructor(options: ResolvedJfsDaemonOptions) {
    this.#options = options;
    this.#scheduler = options.scheduler;
    this.warnings$ = this.#warnings.asObservable();
    this.status$ = this.#status.pipe(distinctUntilChanged());
    this.#watcher = options.watcher ?? new NodeWatcher();
    const { feed, watchList } = daemonRedisParts(options);
    this.#feed = feed;
    this.#watchList = watchList;
    this.#subscription.add(this.#watcher.events$.subscribe((event) => this.#onChange(event)));
    this.#subscription.add(this.#watcher.warnings$.subscribe((error) => this.#warn(error)));
    this.#paths = new WatchedPaths(options, this.#watcher, watchList, (warning) =>
      this.#warn(warning),
    );
    const { maxBacklog } = options;
    this.#outbox = new ChangeOutbox(feed, {
      daemonId: `${hostname()}-${process.pid}`,
      maxBacklog,
      scheduler: this.#scheduler,
      // The batching turn on a microtask, unless a scheduler was given (virtual time in specs).
      ...(options.scheduler === asyncScheduler ? { turn: asapScheduler } : {}),
      // Redis has been away (or refusing) for long: the newest changes are kept, the loss is reported once an
      // outage and marked in the stream so that every reader resyncs its clients.
      overflowing: () => this.#warn(new BacklogOverflowError(maxBacklog)),
      retry: WRITE_RETRY,
      // One warning an outage, naming the cause; the status says it until a write passes.
      failed: (error, attempt, delayMs) => {
        if (attempt === 1) {
          this.#warn(
            new JfsServerError(
              `Redis refused a write (${error.message}): the changes are kept (up to ${maxBacklog}) and written again until it accepts them.`,
              { cause: error },
            ),
          );
        }
        this.#writeRefused = { kind: 'reconnecting', attempt, delayMs, error };
        this.#updateStatus();
      },
      recovered: () => {
        this.#writeRefused = null;
        this.#updateStatus();
      },
    });
    this.#subscription.add(feed.status$.subscribe((status) => this.#onFeedStatus(status)));
    if (watchList !== null) {
      this.#subscription.add(
        watchList.changes$.subscribe((change) => this.#paths.listChanged(change)),
      );
      if (watchList.warnings$ !== undefined)
        this.#subscription.add(watchList.warnings$.subscribe((warning) => this.#warn(warning)));
      this.#paths.start();
    }
    if (options.pathSource !== undefined) {
      const source = options.pathSource.paths$.subscribe((paths) => {
        this.#paths.setSourced(paths);
      });
      this.#subscription.add(source);
    }
  }

  /**
   * Starts a daemon; resolves once the static paths are watched.
   *
   * @throws OptionsError for bad options.
   */
  static async start(options: JfsDaemonOptions = {}): Promise<JfsDaemon> {
    const daemon = new JfsDaemon(resolveJfsDaemonOptions(options));
    await daemon.ready();
    return daemon;
  }

  /**
   * Resolves once the static paths are watched and the start marker is in
   * the stream (waiting at most a second for a Redis that does not answer).
   */
  async ready(): Promise<void> {
    await this.#paths.initial;
    await atMost(this.#outbox.marked, 1000, this.#scheduler);
    this.#started = true;
    this.#updateStatus();
  }

  /** The node paths watched now. */
  watchList(): string[] {
    return this.#watcher.watchList();
  }

  /** Re-reads the paths proxies registered and watches exactly those (plus the static ones). */
  resync(): Promise<void> {
    return this.#paths.resync();
  }

  stats(): JfsDaemonStats {
    return {
      ...this.#counters,
      resyncs: this.#paths.resyncs,
      ...this.#outbox.counters,
      pending: this.#outbox.pending,
      watched: this.#watcher.watchList().length,
    };
  }

  /** Publishes what is pending, then stops watching and closes Redis. Idempotent: the same promise every time. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #close(): Promise<void> {
    this.#closed = true;
    this.#updateStatus();
    this.#paths.close();
    this.#subscription.unsubscribe();
    // A resync may wait on a Redis that is away, for ever: it is not waited for (what it would
    // apply is ignored once closing), and closing the list leaves no socket or timer behind.
    await this.#watchList?.close();
    // A last write, but never wait long on a Redis that stopped answering.
    await this.#outbox.close();
    await this.#feed.close();
    await this.#watcher.close();
    this.#warnings.complete();
    this.#status.complete();
  }

  /** The one place the status is set: from the feed's link, the start and the close. */
  #updateStatus(): void {
    const feed = this.#feedStatus;
    const next: LinkStatus = this.#closed
      ? { kind: 'closed' }
      : feed.kind === 'ready' && !this.#started
        ? { kind: 'connecting', attempt: 0 }
        : feed.kind === 'ready' && this.#writeRefused !== null
          ? this.#writeRefused
          : feed;
    const now = this.#status.value;
    if (now.kind === next.kind && (next.kind !== 'reconnecting' || now === next)) return;
    this.#status.next(next);
  }

  #onFeedStatus(status: LinkStatus): void {
    this.#feedStatus = status;
    // One warning an outage (its first attempt), not one per reconnection attempt.
    if (status.kind === 'reconnecting' && status.attempt === 1) {
      this.#warn(
        new JfsServerError(
          `the Redis connection was lost (${status.error.message}): changes are kept (up to ${this.#options.maxBacklog}) until it is back.`,
          { cause: status.error },
        ),
      );
    }
    if (status.kind === 'closed' && status.error !== undefined) this.#warn(status.error);
    this.#updateStatus();
  }

  #onChange(event: JfsEvent): void {
    this.#counters.events++;
    this.#outbox.push(event);
  }

  #warn(warning: JfsError | Error): void {
    log('warning %s: %s', warning.name, warning.message);
    this.#warnings.next(warning);
  }
}
