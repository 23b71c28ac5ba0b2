import { type FSWatcher, lstatSync, readdirSync, type Stats, watch } from 'node:fs';
import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';
import { FileWatchError } from '../../errors.ts';
import { DelayedPaths } from './delayed-paths.ts';
import { fileIdentity } from './file-identity.ts';
import type { ResolvedFileSourceOptions } from './file-source-options.ts';
import { type IgnoreMatcher, ignoreMatcher } from './ignore-matcher.ts';
import { FileOp } from './rename-pairer.ts';
import { ATOMIC_MS, type StartTreeWatcher, type TreeSink } from './tree-watcher.ts';
import { FileWatchFallbackError, isWatchLimit } from './watch-fallback-error.ts';
import type { WatchRoot } from './watch-roots.ts';

/** How often a directory that fell back to polling is read again, in ms. */
export const FALLBACK_POLL_MS = 250;
/** Entries the initial scan reads before it lets events in (one event-loop turn). */
const SCAN_SLICE = 4096;
/**
 * How long an empty file's add or change is held for its content: a write
 * that truncates first (`writeFile`) is then one change, not two.
 */
const EMPTY_HOLD_MS = 50;

/** One directory of the tree. */
interface DirNode {
  readonly path: string;
  /** Levels below the root (the root is 0). */
  readonly level: number;
  readonly ino: number;
  /**
   * Each entry: a file's modification time in ms (an event that leaves it
   * as it was is not a write), or a directory's node.
   */
  readonly entries: Map<string, number | DirNode>;
  watcher: FSWatcher | null;
  closed: boolean;
}

/**
 * Watches one root on Linux with one `fs.watch` (one inotify watch) per
 * directory and a scan that stats each entry once. Each directory is watched
 * before it is read, so nothing made during the scan is lost: what the read
 * finds is the initial state, what happens after it arrives as an event.
 * Each event is checked against the disk with one `lstat`. File unlinks are
 * held {@link ATOMIC_MS}, as chokidar holds them, so that an atomic save is
 * one change and a rename's add reaches the pairer before its unlink. A
 * directory that cannot get a watch (ENOSPC, EMFILE) is polled instead, with
 * one warning. Symbolic links are entries, not followed.
 */
export const watchTreeNatively: StartTreeWatcher = (root, options, sink, scheduler) => {
  const tree = new NativeTree(root, options, sink, scheduler);
  tree.start();
  return async () => tree.close();
};

class NativeTree {
  readonly #root: WatchRoot;
  readonly #maxLevel: number;
  readonly #sink: TreeSink;
  readonly #scheduler: SchedulerLike;
  readonly #ignored: IgnoreMatcher;
  readonly #unlinks: DelayedPaths;
  /** Empty files whose add or change waits for content; the op to report (see EMPTY_HOLD_MS). */
  readonly #empty: DelayedPaths;
  readonly #emptyOps = new Map<string, FileOp>();
  #rootNode: DirNode | null = null;
  /** Directories found by the initial scan and not read yet. */
  #toScan: DirNode[] = [];
  #scanning = true;
  #seen = 0;
  #slice: NodeJS.Immediate | null = null;
  readonly #polled = new Set<DirNode>();
  #pollTimer: Subscription | null = null;
  #fellBack = false;
  #closed = false;

  constructor(
    root: WatchRoot,
    options: ResolvedFileSourceOptions,
    sink: TreeSink,
    scheduler: SchedulerLike,
  ) {
    this.#root = root;
    // A single file is watched through its parent: its direct entries only.
    this.#maxLevel = root.files === null ? options.depth : 0;
    this.#sink = sink;
    this.#scheduler = scheduler;
    this.#ignored = ignoreMatcher(options.ignored);
    this.#unlinks = new DelayedPaths(ATOMIC_MS, scheduler, (path) =>
      sink.changed(FileOp.Unlink, path, false, undefined),
    );
    this.#empty = new DelayedPaths(EMPTY_HOLD_MS, scheduler, (path) => {
      const op = this.#emptyOps.get(path);
      this.#emptyOps.delete(path);
      const stats = lstatSync(path, { throwIfNoEntry: false });
      if (op !== undefined && stats !== undefined)
        sink.changed(op, path, false, fileIdentity(stats));
    });
  }

  start(): void {
    const stats = lstatSync(this.#root.dir);
    const node = this.#node(this.#root.dir, 0, stats);
    this.#rootNode = node;
    this.#sink.found(node.path, true, fileIdentity(stats));
    this.#toScan.push(node);
    this.#scanSlice();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#slice !== null) clearImmediate(this.#slice);
    this.#pollTimer?.unsubscribe();
    this.#unlinks.close();
    this.#empty.close();
    this.#toScan = [];
    if (this.#rootNode !== null) this.#closeTree(this.#rootNode);
    this.#polled.clear();
  }

  /** Reads directories of the initial scan until a slice of entries is done, then yields. */
  #scanSlice(): void {
    this.#slice = null;
    const stop = this.#seen + SCAN_SLICE;
    while (this.#toScan.length > 0 && this.#seen < stop && !this.#closed) {
      const node = this.#toScan.pop() as DirNode;
      if (!node.closed) this.#scan(node, true);
    }
    if (this.#closed) return;
    this.#sink.scanned(this.#seen);
    if (this.#toScan.length > 0) {
      this.#slice = setImmediate(() => this.#scanSlice());
      return;
    }
    this.#scanning = false;
    this.#sink.ready();
  }

  /** Watches a directory, then reads it: `initial` entries are found, the others are adds. */
  #scan(node: DirNode, initial: boolean): void {
    if (!this.#watch(node)) return;
    let names: string[];
    try {
      names = readdirSync(node.path);
    } catch (err) {
      // Gone already: the parent's event reports it. Unreadable: say so, watch the rest.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.#sink.warn(new FileWatchError(node.path, err));
      }
      return;
    }
    for (const name of names) this.#enter(node, name, initial, undefined);
  }

  /** Takes a new entry of `node` into the tree and reports it. */
  #enter(node: DirNode, name: string, initial: boolean, known: Stats | undefined): void {
    const path = `${node.path}/${name}`;
    if (this.#ignored.byPath(path)) return;
    const stats = known ?? lstatSync(path, { throwIfNoEntry: false });
    if (stats === undefined || this.#ignored.byStats(path, stats)) return;
    const identity = fileIdentity(stats);
    this.#seen++;
    if (!stats.isDirectory()) {
      node.entries.set(name, stats.mtimeMs);
      if (initial) this.#sink.found(path, false, identity);
      // Gone and back within the atomic time: an atomic save, one change.
      else this.#file(this.#unlinks.take(path) ? FileOp.Change : FileOp.Add, path, stats);
      return;
    }
    const child = this.#node(path, node.level + 1, stats);
    node.entries.set(name, child);
    if (initial) {
      this.#sink.found(path, true, identity);
      if (child.level <= this.#maxLevel) this.#toScan.push(child);
      return;
    }
    if (this.#unlinks.take(path)) this.#sink.changed(FileOp.Unlink, path, false, undefined);
    this.#sink.changed(FileOp.Add, path, true, identity);
    if (child.level <= this.#maxLevel) this.#scan(child, false);
  }

  #node(path: string, level: number, stats: Stats): DirNode {
    return { path, level, ino: stats.ino, entries: new Map(), watcher: null, closed: false };
  }

  /** Watches `node` natively, or polls it; false when it cannot be watched at all (warned). */
  #watch(node: DirNode): boolean {
    try {
      const watcher = watch(node.path, { persistent: true }, (type, name) => {
        if (this.#closed || node.closed) return;
        if (typeof name !== 'string' || name === '') this.#rescan(node);
        else this.#check(node, name, type === 'rename');
      });
      watcher.on('error', (err) => {
        watcher.close();
        node.watcher = null;
        if (!node.closed && !this.#closed) this.#poll(node, err);
      });
      node.watcher = watcher;
      return true;
    } catch (err) {
      if (isWatchLimit(err)) {
        this.#poll(node, err);
        return true;
      }
      // Gone already (its parent's event reports it), or unreadable: say so, watch the rest.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.#sink.warn(new FileWatchError(node.path, err));
      }
      return false;
    }
  }

  /** Compares one entry of `node` with the disk and reports the difference. */
  #check(node: DirNode, name: string, renamed: boolean): void {
    const path = `${node.path}/${name}`;
    const known = node.entries.get(name);
    const stats = this.#ignored.byPath(path)
      ? undefined
      : lstatSync(path, { throwIfNoEntry: false });
    if (stats === undefined || this.#ignored.byStats(path, stats)) {
      if (known !== undefined) this.#remove(node, name, known);
      return;
    }
    if (known === undefined) {
      this.#enter(node, name, false, stats);
      return;
    }
    const dir = stats.isDirectory();
    if (typeof known === 'number' && !dir) {
      // A write moves the modification time, finely enough: since Linux 6.13 a file whose time
      // was read gets a fine-grained one on its next change. A file renamed over it is a write.
      if (known === stats.mtimeMs && !renamed) return;
      node.entries.set(name, stats.mtimeMs);
      this.#file(FileOp.Change, path, stats);
      return;
    }
    if (typeof known !== 'number' && dir && known.ino === stats.ino) return;
    // Replaced by an entry of the other kind, or by another directory.
    this.#remove(node, name, known);
    this.#enter(node, name, false, stats);
  }

  /** Reports the add or change of a file, holding an empty one for its content a little. */
  #file(op: FileOp, path: string, stats: Stats): void {
    const held = this.#emptyOps.get(path);
    if (held !== undefined) {
      if (stats.size === 0) return;
      // The content arrived: report the held add (or change) now.
      this.#empty.take(path);
      this.#emptyOps.delete(path);
      this.#sink.changed(held, path, false, fileIdentity(stats));
      return;
    }
    if (stats.size === 0) {
      this.#emptyOps.set(path, op);
      this.#empty.hold(path);
      return;
    }
    this.#sink.changed(op, path, false, fileIdentity(stats));
  }

  /** Reads `node` again and reports every difference (after an overflow, or when polling). */
  #rescan(node: DirNode): void {
    let names: string[];
    try {
      names = readdirSync(node.path);
    } catch {
      return; // Gone: its parent reports it.
    }
    const present = new Set(names);
    for (const [name, known] of node.entries) {
      if (!present.has(name)) this.#remove(node, name, known);
    }
    for (const name of names) this.#check(node, name, false);
  }

  /** Reports an entry gone: a file once the atomic time has passed, a directory and its tree now. */
  #remove(node: DirNode, name: string, known: number | DirNode): void {
    node.entries.delete(name);
    if (typeof known !== 'number') {
      this.#removeTree(known);
      return;
    }
    const path = `${node.path}/${name}`;
    const held = this.#emptyOps.get(path);
    if (held !== undefined) {
      this.#empty.take(path);
      this.#emptyOps.delete(path);
      if (held === FileOp.Add) return; // Never reported: nothing to delete.
    }
    this.#unlinks.hold(path);
  }

  #removeTree(node: DirNode): void {
    for (const [name, entry] of node.entries) {
      if (typeof entry !== 'number') this.#removeTree(entry);
      else this.#sink.changed(FileOp.Unlink, `${node.path}/${name}`, false, undefined);
    }
    this.#closeNode(node);
    this.#sink.changed(FileOp.Unlink, node.path, true, undefined);
  }

  #closeTree(node: DirNode): void {
    for (const entry of node.entries.values()) {
      if (typeof entry !== 'number') this.#closeTree(entry);
    }
    this.#closeNode(node);
  }

  #closeNode(node: DirNode): void {
    node.closed = true;
    node.watcher?.close();
    node.watcher = null;
    this.#polled.delete(node);
  }

  /** Polls `node` from now on: reads it every {@link FALLBACK_POLL_MS} and compares each entry. */
  #poll(node: DirNode, cause: unknown): void {
    if (!this.#fellBack) {
      this.#fellBack = true;
      this.#sink.warn(new FileWatchFallbackError(node.path, cause, FALLBACK_POLL_MS));
    }
    this.#polled.add(node);
    if (this.#pollTimer !== null) return;
    this.#pollTimer = this.#scheduler.schedule(
      function turn(this: SchedulerAction<NativeTree>, tree) {
        if (tree !== undefined) tree.#pollTurn();
        this.schedule(tree, FALLBACK_POLL_MS);
      },
      FALLBACK_POLL_MS,
      this,
    );
  }

  #pollTurn(): void {
    if (this.#scanning) return;
    for (const node of [...this.#polled]) if (!node.closed) this.#rescan(node);
  }
}
