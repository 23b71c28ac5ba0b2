import { type FSWatcher, watch } from 'chokidar';
import createDebug from 'debug';
import type { Observable } from 'rxjs';
import { BehaviorSubject } from 'rxjs/internal/BehaviorSubject';
import { Subject } from 'rxjs/internal/Subject';
import { type JfsError, OptionsError } from '../../errors.ts';
import type { JfsEvent } from '../../jfs-protocol/jfs-message.ts';
import { Op } from '../../jfs-protocol/op.ts';
import { LocalWatcherError, WatcherClosedError } from './jfs-client-errors.ts';
import { FsType, type JfsWatcherOptions, resolveJfsWatcherOptions } from './jfs-watcher-options.ts';
import type { NotifyWatcher, WatcherStatus } from './notify-watcher.ts';

const log = createDebug('batchwatch:jfs');

const ops: Readonly<Record<string, number>> = {
  add: Op.Create,
  addDir: Op.Create,
  change: Op.Write,
  unlink: Op.Remove,
  unlinkDir: Op.Remove,
};

/**
 * The `FS_TYPE=fs` watcher: the surface of {@link JfsWatcher} over chokidar,
 * for running outside the cluster. Like inotify it is not recursive (a
 * directory's own entries only, `depth: 0`); `key` is left empty; there is no
 * watcher-name check and no server. Chokidar reports no chmod or rename: a
 * rename is a Remove and a Create.
 */
export class LocalNotifyWatcher implements NotifyWatcher {
  readonly events$: Observable<JfsEvent>;
  readonly warnings$: Observable<JfsError>;
  readonly status$: Observable<WatcherStatus>;

  readonly #paths: Set<string>;
  readonly #events = new Subject<JfsEvent>();
  readonly #warnings = new Subject<JfsError>();
  readonly #status = new BehaviorSubject<WatcherStatus>({ kind: 'connecting', attempt: 1 });
  readonly #watcher: FSWatcher;
  #closing: Promise<void> | null = null;

  /** @throws OptionsError for bad options; `fsType` is forced to `'fs'`. */
  constructor(options: JfsWatcherOptions = {}) {
    const resolved = resolveJfsWatcherOptions({ ...options, fsType: FsType.Fs });
    this.#paths = new Set(resolved.paths);
    this.events$ = this.#events.asObservable();
    this.warnings$ = this.#warnings.asObservable();
    this.status$ = this.#status.asObservable();
    this.#watcher = watch([...this.#paths], { depth: 0, ignoreInitial: true });
    this.#watcher.on('all', (event, path) => {
      const op = ops[event];
      if (op !== undefined && this.#closing === null)
        this.#events.next({ name: path, op, key: '' });
    });
    this.#watcher.on('error', (error) => this.#warnings.next(new LocalWatcherError(error)));
    this.#watcher.once('ready', () => {
      if (this.#closing === null) this.#status.next({ kind: 'ready', since: Date.now() });
    });
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
    this.#watcher.add(path);
  }

  remove(path: string): void {
    if (this.#closing !== null) throw new WatcherClosedError(`remove(${JSON.stringify(path)})`);
    if (!this.#paths.delete(path)) return;
    this.#watcher.unwatch(path);
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
    this.#closing = this.#watcher.close();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
