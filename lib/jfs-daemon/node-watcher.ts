import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import type { Observable } from 'rxjs';
import { Subject } from 'rxjs/internal/Subject';
import { asyncScheduler } from 'rxjs/internal/scheduler/async';
import { Action } from '../events/action.ts';
import type { JfsEvent } from '../jfs-protocol/jfs-message.ts';
import { Op } from '../jfs-protocol/op.ts';
import { fileIdentity } from '../sources/file/file-identity.ts';
import { type FileChange, FileOp, RenamePairer } from '../sources/file/rename-pairer.ts';
import { LocalWatcherError } from '../sources/jfs/jfs-client-errors.ts';
import type { PathWatcher } from './path-watcher.ts';

/** chokidar's `atomic` time: it holds unlinks this long, so the rename pairing waits for it too. */
const atomicMs = 100;
/** How long an unlink waits for the add of the same file before it is a Remove, in ms. */
const renameWindow = 50;

const chokidarOps: Readonly<Record<string, { op: FileOp; dir: boolean }>> = {
  add: { op: FileOp.Add, dir: false },
  addDir: { op: FileOp.Add, dir: true },
  change: { op: FileOp.Change, dir: false },
  unlink: { op: FileOp.Unlink, dir: false },
  unlinkDir: { op: FileOp.Unlink, dir: true },
};

interface Watched {
  readonly watcher: FSWatcher;
  readonly pairer: RenamePairer;
  readonly ready: Promise<void>;
}

/**
 * The daemon's view of node paths, as inotify and Go's fsnotify give it:
 * each path is watched non-recursively on its own (so that the daemon knows
 * when that watch is active), `Key` is the parent directory, a rename is
 * Rename (old name) then Create (new name), paired by inode like the file
 * source does, a mode change is Chmod. `add(path, since)` catches up: once the watch is active,
 * every entry created or written since `since` (ms since the epoch) is
 * reported as Create or Write, so that nothing between a registration and
 * the watch is lost.
 */
export class NodeWatcher implements PathWatcher {
  /** Every change, in order per path. */
  readonly events$: Observable<JfsEvent>;
  /** Watch failures (the watch goes on for the rest). */
  readonly warnings$: Observable<LocalWatcherError>;

  readonly #events = new Subject<JfsEvent>();
  readonly #warnings = new Subject<LocalWatcherError>();
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
    const pairer = new RenamePairer(
      { window: renameWindow, unlinkDelay: atomicMs, scheduler: asyncScheduler },
      (change) => this.#report(change),
    );
    const watcher = watch(path, {
      depth: 0,
      ignoreInitial: false,
      alwaysStat: true,
      atomic: atomicMs,
    });
    let scanned = false;
    /** The mode of each entry, to tell an attribute change (Chmod) from the other raw events. */
    const modes = new Map<string, number>();
    watcher.on('all', (name, changed, stats?: Stats) => {
      const kind = chokidarOps[name];
      if (kind === undefined || changed === path || this.#closed) return;
      if (stats !== undefined) modes.set(changed, stats.mode);
      else if (kind.op === FileOp.Unlink) modes.delete(changed);
      const identity = fileIdentity(stats);
      if (scanned) {
        pairer.observe({ ...kind, path: changed, identity, time: Date.now() });
        return;
      }
      pairer.seed(changed, kind.dir, identity);
      const caughtUp = catchUpOp(stats, since);
      if (caughtUp !== undefined) this.#emit(changed, caughtUp);
    });
    // chokidar reports no attribute changes; inotify's IN_ATTRIB arrives as a raw 'change'.
    watcher.on('raw', (event: string, file: unknown) => {
      if (event !== 'change' || !scanned || typeof file !== 'string' || file === '') return;
      const changed = join(path, file);
      const known = modes.get(changed);
      if (known === undefined || dirname(changed) !== path) return;
      stat(changed).then(
        (now) => {
          if (now.mode === modes.get(changed) || !modes.has(changed)) return;
          modes.set(changed, now.mode);
          this.#emit(changed, Op.Chmod);
        },
        () => {},
      );
    });
    watcher.on('error', (error: unknown) => this.#warnings.next(new LocalWatcherError(error)));
    const ready = new Promise<void>((resolve) => {
      watcher.once('ready', () => {
        scanned = true;
        resolve();
      });
    });
    this.#watched.set(path, { watcher, pairer, ready });
    return ready;
  }

  /** Stops watching `path`. */
  remove(path: string): void {
    const watched = this.#watched.get(path);
    if (watched === undefined) return;
    this.#watched.delete(path);
    watched.pairer.close();
    void watched.watcher.close();
  }

  /** Stops every watch and completes the streams. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const all = [...this.#watched.values()];
    this.#watched.clear();
    for (const { pairer } of all) pairer.close();
    await Promise.all(all.map(({ watcher }) => watcher.close()));
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
function catchUpOp(stats: Stats | undefined, since: number): number | undefined {
  if (stats === undefined || !Number.isFinite(since)) return undefined;
  if (stats.birthtimeMs > 0 ? stats.birthtimeMs >= since : stats.ctimeMs >= since) return Op.Create;
  if (stats.mtimeMs >= since) return Op.Write;
  return undefined;
}
