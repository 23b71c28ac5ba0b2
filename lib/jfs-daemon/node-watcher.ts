import type { Stats } from 'node:fs';
import { dirname } from 'node:path';
import type { Observable } from 'rxjs';
import { Subject } from 'rxjs/internal/Subject';
import type { BatchwatchError } from '../errors.ts';
import { Action } from '../events/action.ts';
import type { JfsEvent } from '../jfs-protocol/jfs-message.ts';
import { Op } from '../jfs-protocol/op.ts';
import { watchPath } from '../local-watcher/path-watch.ts';
import type { FileChange } from '../local-watcher/rename-pairer.ts';
import type { PathWatcher } from './path-watcher.ts';

/** How long an unlink waits for the add of the same file before it is a Remove, in ms. */
const renameWindow = 50;

interface Watched {
  readonly stop: () => Promise<void>;
  readonly ready: Promise<void>;
}

/**
 * The daemon's view of node paths, as inotify and Go's fsnotify give it:
 * each path is watched non-recursively on its own through the shared local
 * watcher (`lib/local-watcher/path-watch.ts`: so that the daemon knows when
 * that watch is active, and a full kernel queue is read again rather than
 * lost), `Key` is the parent directory, a rename is Rename (old name) then
 * Create (new name), paired by inode like the file source does, a mode
 * change is Chmod. `add(path, since)` catches up: once the watch is active,
 * every entry created or written since `since` (ms since the epoch) is
 * reported as Create or Write, so that nothing between a registration and
 * the watch is lost.
 */
export class NodeWatcher implements PathWatcher {
  /** Every change, in order per path. */
  readonly events$: Observable<JfsEvent>;
  /** Watch failures (the watch goes on for the rest) and full inotify queues (read again). */
  readonly warnings$: Observable<BatchwatchError>;

  readonly #events = new Subject<JfsEvent>();
  readonly #warnings = new Subject<BatchwatchError>();
  readonly #watched = new Map<string, Watched>();
  #closed = false;

  constructor() {
    this.events$ = this.#events.asObservable();
    this.warnings$ = this.#warnings.asObservable();
  }

  /** The node paths watched now. */
  watchList(): string[] {
    return [...this.#watched.keys()];
  }

  /**
   * Starts watching `path` (no-op if watched); resolves once the watch is
   * active and the catch-up since `since` is reported (never rejects).
   */
  add(path: string, since = Number.POSITIVE_INFINITY): Promise<void> {
    const known = this.#watched.get(path);
    if (known !== undefined) return known.ready;
    if (this.#closed) return Promise.resolve();
    let resolveReady = (): void => {};
    const ready = new Promise<void>((resolve) => {
      resolveReady = resolve;
    });
    const stop = watchPath(
      path,
      // As fsnotify: a file created and removed before its event was read is still two changes.
      { renameWindow, transient: true },
      {
        found: (found, stats) => {
          const caughtUp = catchUpOp(stats, since);
          if (caughtUp !== undefined) this.#emit(found, caughtUp);
        },
        changed: (change) => this.#report(change),
        attributes: (changed) => this.#emit(changed, Op.Chmod),
        warn: (warning) => {
          if (!this.#closed) this.#warnings.next(warning);
        },
        ready: resolveReady,
      },
    );
    this.#watched.set(path, { stop, ready });
    return ready;
  }

  /** Stops watching `path`. */
  remove(path: string): void {
    const watched = this.#watched.get(path);
    if (watched === undefined) return;
    this.#watched.delete(path);
    void watched.stop();
  }

  /** Stops every watch and completes the streams. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const all = [...this.#watched.values()];
    this.#watched.clear();
    await Promise.all(all.map(({ stop }) => stop()));
    this.#events.complete();
    this.#warnings.complete();
  }

  #report(change: FileChange): void {
    switch (change.action) {
      case Action.FileCreated:
        this.#emit(change.path, Op.Create);
        break;
      case Action.FileWritten:
        this.#emit(change.path, Op.Write);
        break;
      case Action.FileDeleted:
        this.#emit(change.path, Op.Remove);
        break;
      case Action.FileRenamed:
        // fsnotify's order: the old name goes (Rename), then the new one appears (Create).
        if (change.oldPath !== undefined) this.#emit(change.oldPath, Op.Rename);
        this.#emit(change.path, Op.Create);
        break;
    }
  }

  #emit(name: string, op: number): void {
    if (!this.#closed) this.#events.next({ name, op, key: dirname(name) });
  }
}

/** Create when the entry was born since `since`, Write when only written since; else nothing. */
function catchUpOp(stats: Stats, since: number): number | undefined {
  if (!Number.isFinite(since)) return undefined;
  if (stats.birthtimeMs > 0 ? stats.birthtimeMs >= since : stats.ctimeMs >= since) return Op.Create;
  if (stats.mtimeMs >= since) return Op.Write;
  return undefined;
}
