import createDebug from 'debug';
import type { Observable } from 'rxjs';
import { BehaviorSubject } from 'rxjs/internal/BehaviorSubject';
import { Subject } from 'rxjs/internal/Subject';
import { type JfsError, OptionsError } from '../../errors.ts';
import { Action } from '../../events/action.ts';
import type { JfsEvent } from '../../jfs-protocol/jfs-message.ts';
import { Op } from '../../jfs-protocol/op.ts';
import { watchPath } from '../../local-watcher/path-watch.ts';
import type { FileChange } from '../../local-watcher/rename-pairer.ts';
import { LocalWatcherError, WatcherClosedError } from './jfs-client-errors.ts';
import { FsType, type JfsWatcherOptions, resolveJfsWatcherOptions } from './jfs-watcher-options.ts';
import type { NotifyWatcher, WatcherStatus } from './notify-watcher.ts';

const log = createDebug('batchwatch:jfs');

const ops: Readonly<Record<number, number>> = {
  [Action.FileCreated]: Op.Create,
  [Action.FileWritten]: Op.Write,
  [Action.FileDeleted]: Op.Remove,
};

/**
 * The `FS_TYPE=fs` watcher: the surface of {@link JfsWatcher} over the
 * shared local watcher (`lib/local-watcher/path-watch.ts`), for running
 * outside the cluster. Like inotify it is not recursive (a directory's own
 * entries only); `key` is left empty; there is no watcher-name check and no
 * server. A rename is a Remove and a Create; no chmod is reported.
 */
export class LocalNotifyWatcher implements NotifyWatcher {
  readonly events$: Observable<JfsEvent>;
  readonly warnings$: Observable<JfsError>;
  readonly status$: Observable<WatcherStatus>;

  readonly #paths: Set<string>;
  readonly #events = new Subject<JfsEvent>();
  readonly #warnings = new Subject<JfsError>();
  readonly #status = new BehaviorSubject<WatcherStatus>({ kind: 'connecting', attempt: 0 });
  /** The stop function of each path's watch. */
  readonly #watches = new Map<string, () => Promise<void>>();
  /** Paths whose initial scan is not done yet; ready when none is left. */
  readonly #scanning = new Set<string>();
  #closing: Promise<void> | null = null;

  /** @throws OptionsError for bad options; `fsType` is forced to `'fs'`. */
  constructor(options: JfsWatcherOptions = {}) {
    const resolved = resolveJfsWatcherOptions({ ...options, fsType: FsType.Fs });
    this.#paths = new Set(resolved.paths);
    this.events$ = this.#events.asObservable();
    this.warnings$ = this.#warnings.asObservable();
    this.status$ = this.#status.asObservable();
    // All counted first: a small tree's scan may end before the next path's watch starts.
    for (const path of this.#paths) this.#scanning.add(path);
    for (const path of this.#paths) this.#watch(path);
    if (this.#paths.size === 0) this.#status.next({ kind: 'ready', since: Date.now() });
  }

  get status(): WatcherStatus {
    return this.#status.value;
  }

  add(path: string): void {
    if (this.#closing !== null) throw new WatcherClosedError(`add(${JSON.stringify(path)})`);
    if (typeof path !== 'string' || path === '') {
      throw new OptionsError('path', path, 'a non-empty path string');
    }
    if (this.#paths.has(path)) return;
    this.#paths.add(path);
    this.#scanning.add(path);
    this.#watch(path);
  }

  remove(path: string): void {
    if (this.#closing !== null) throw new WatcherClosedError(`remove(${JSON.stringify(path)})`);
    if (!this.#paths.delete(path)) return;
    this.#scanning.delete(path);
    const stop = this.#watches.get(path);
    this.#watches.delete(path);
    void stop?.();
  }

  watchList(): string[] {
    return [...this.#paths];
  }

  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    this.#status.next({ kind: 'closed' });
    this.#events.complete();
    this.#warnings.complete();
    this.#status.complete();
    log('local watcher closed');
    const stops = [...this.#watches.values()];
    this.#watches.clear();
    this.#closing = Promise.all(stops.map((stop) => stop())).then(() => {});
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #watch(path: string): void {
    const stop = watchPath(
      path,
      // No rename pairing: a rename is a Remove and a Create, as before.
      { renameWindow: 0 },
      {
        changed: (change) => this.#report(change),
        warn: (warning) => {
          if (this.#closing === null) this.#warnings.next(new LocalWatcherError(warning));
        },
        ready: () => {
          this.#scanning.delete(path);
          if (this.#scanning.size === 0 && this.#closing === null && this.status.kind !== 'ready') {
            this.#status.next({ kind: 'ready', since: Date.now() });
          }
        },
      },
    );
    this.#watches.set(path, stop);
  }

  #report(change: FileChange): void {
    const op = ops[change.action];
    if (op !== undefined && this.#closing === null) {
      this.#events.next({ name: change.path, op, key: '' });
    }
  }
}
