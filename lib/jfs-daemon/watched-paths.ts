import createDebug from 'debug';
import type { SchedulerLike, Subscription } from 'rxjs';
import type { JfsError } from '../errors.ts';
import { AllowedRoots } from './allowed-roots.ts';
import type { ResolvedJfsDaemonOptions } from './jfs-daemon-options.ts';
import type { PathWatcher } from './path-watcher.ts';
import { RefusedPathError } from './watch-errors.ts';
import type { WatchList, WatchListChange } from './watch-list.ts';

const log = createDebug('batchwatch:jfs-daemon');

/**
 * Which node paths a daemon watches: its static paths, those proxies
 * registered (read from the {@link WatchList} on each announcement and every
 * `resyncInterval`) and those its path source wants, each checked against
 * its `roots` (a refused path is warned about once) and bounded by
 * `maxWatches`. A path newly registered is caught up since `catchUp` before
 * the registration was read; one no longer wanted is released (the first
 * read after a (re)connection only adds: proxies may not have rewritten
 * their entries yet).
 */
export class WatchedPaths {
  /** Resolves once the static paths are watched (or refused). */
  readonly initial: Promise<unknown>;
  /** Times the registered paths were read. */
  resyncs = 0;
  readonly #options: ResolvedJfsDaemonOptions;
  readonly #scheduler: SchedulerLike;
  readonly #watcher: PathWatcher;
  readonly #watchList: WatchList | null;
  readonly #warn: (warning: JfsError | Error) => void;
  /** The first read of the registry after a (re)connection only adds: proxies may not have rewritten it yet. */
  #addOnly = true;
  #resyncTimer: Subscription | null = null;
  #resyncing: Promise<void> | null = null;
  #resyncAgain = false;
  #closed = false;
  /** The paths proxies registered (last read) and those the path source wants. */
  #registered: ReadonlySet<string> = new Set();
  #sourced: ReadonlySet<string> = new Set();
  /** Where the daemon may watch (`roots`); paths refused now, with why (each warned once). */
  readonly #roots: AllowedRoots;
  readonly #refused = new Map<string, string>();
  /** Paths being checked against the roots and added. */
  readonly #pending = new Set<string>();
  /** When the watched paths were last checked against the roots again. */
  #rechecked = Number.NEGATIVE_INFINITY;

  constructor(
    options: ResolvedJfsDaemonOptions,
    watcher: PathWatcher,
    watchList: WatchList | null,
    warn: (warning: JfsError | Error) => void,
  ) {
    this.#options = options;
    this.#scheduler = options.scheduler;
    this.#watcher = watcher;
    this.#watchList = watchList;
    this.#warn = warn;
    this.#roots = new AllowedRoots(options.roots);
    this.initial = Promise.all(options.paths.map((path) => this.#watchAllowed(path)));
  }

  /** Starts reading the registry every `resyncInterval` (with a watch list). */
  start(): void {
    if (this.#watchList !== null) this.#scheduleResync();
  }

  /** Re-reads the registry now; resolves once that read is applied. */
  resync(): Promise<void> {
    this.#resync();
    return this.#resyncing ?? Promise.resolve();
  }

  /** The watch list announced a change, or (re)connected. */
  listChanged(change: WatchListChange): void {
    this.#onListChange(change);
  }

  /** The paths the path source wants now. */
  setSourced(paths: ReadonlySet<string>): void {
    this.#sourced = paths;
    this.#apply(this.#registered, false, this.#scheduler.now());
  }

  /** Stops reading the registry; what a read in flight would apply is ignored. */
  close(): void {
    this.#closed = true;
    this.#resyncTimer?.unsubscribe();
    this.#resyncTimer = null;
  }

  /** Re-reads the registry every `resyncInterval`, even when no announcement came. */
  #scheduleResync(): void {
    if (this.#closed) return;
    this.#resyncTimer = this.#scheduler.schedule(() => {
      this.#resync();
      this.#scheduleResync();
    }, this.#options.resyncInterval);
  }

  #onListChange(change: WatchListChange): void {
    if (change === 'connected') this.#addOnly = true;
    this.#resync();
  }

  #resync(): void {
    const list = this.#watchList;
    if (this.#closed || list === null) return;
    if (this.#resyncing !== null) {
      this.#resyncAgain = true;
      return;
    }
    const addOnly = this.#addOnly;
    this.#addOnly = false;
    const learned = this.#scheduler.now();
    this.#resyncing = list
      .read()
      .then((registered) => {
        this.resyncs++;
        this.#apply(registered, addOnly, learned);
      })
      .catch((err: unknown) => log('resync failed: %s', (err as Error).message))
      .finally(() => {
        this.#resyncing = null;
        if (this.#resyncAgain) {
          this.#resyncAgain = false;
          this.#resync();
        }
      });
  }

  #apply(registered: ReadonlySet<string>, addOnly: boolean, learned: number): void {
    if (this.#closed) return;
    this.#registered = registered;
    const wanted = new Set([...this.#options.paths, ...registered, ...this.#sourced]);
    const current = new Set(this.#watcher.watchList());
    // `maxWatches` bounds what others can make the daemon watch: what it watches, what it is
    // about to, less what this read releases.
    let room = this.#options.maxWatches - current.size - this.#pending.size;
    if (!addOnly) for (const path of current) if (!wanted.has(path)) room++;
    for (const path of wanted) {
      if (current.has(path) || this.#pending.has(path)) continue;
      if (room <= 0 && !this.#options.paths.includes(path)) {
        this.#refuse(
          path,
          `the daemon watches ${this.#options.maxWatches} paths already (maxWatches)`,
        );
        continue;
      }
      room--;
      this.#pending.add(path);
      void this.#watchAllowed(path, learned - this.#options.catchUp).finally(() =>
        this.#pending.delete(path),
      );
    }
    for (const path of this.#refused.keys()) if (!wanted.has(path)) this.#refused.delete(path);
    if (addOnly) return;
    const recheck = learned - this.#rechecked >= this.#options.resyncInterval;
    if (recheck) this.#rechecked = learned;
    for (const path of current) {
      if (!wanted.has(path)) {
        log('release %s', path);
        this.#watcher.remove(path);
      } else if (recheck) {
        // A directory swapped for a symbolic link after it was watched is let go.
        void this.#roots.check(path).then((refusal) => {
          if (refusal === null || this.#closed) return;
          this.#watcher.remove(path);
          this.#refuse(path, refusal);
        });
      }
    }
  }

  /** Watches `path` if the roots allow it and it is still wanted once checked; else a warning. */
  async #watchAllowed(path: string, since?: number): Promise<void> {
    const refusal = await this.#roots.check(path);
    if (this.#closed) return;
    if (refusal !== null) {
      this.#refuse(path, refusal);
      return;
    }
    this.#refused.delete(path);
    const wanted =
      this.#options.paths.includes(path) || this.#registered.has(path) || this.#sourced.has(path);
    if (!wanted) return;
    log('watch %s', path);
    await this.#watcher.add(path, since);
  }

  #refuse(path: string, reason: string): void {
    if (this.#refused.get(path) === reason) return;
    this.#refused.set(path, reason);
    log('refused %s: %s', path, reason);
    this.#warn(new RefusedPathError(path, reason));
  }
}
