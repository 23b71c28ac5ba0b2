import { lstatSync, readdirSync, type Stats, watch } from 'node:fs';
import type { SchedulerLike } from 'rxjs';
import { DelayedPaths } from './delayed-paths.ts';
import { FallbackPoller } from './fallback-poller.ts';
import { FileWatchError, isWatchLimit } from './file-errors.ts';
import { fileIdentity } from './file-identity.ts';
import type { ResolvedFileSourceOptions } from './file-source-options.ts';
import { type IgnoreMatcher, ignoreMatcher } from './ignore-matcher.ts';
import { FileOp } from './rename-pairer.ts';
import { type DirNode, dirNode, FileEntry, identityOf } from './tree-node.ts';
import {
  ATOMIC_MS,
  type StartTreeWatcher,
  type TreeSink,
  type TreeWatcherKind,
} from './tree-watcher.ts';
import type { WatchRoot } from './watch-roots.ts';

/** Entries the initial scan reads before it lets events in (one event-loop turn). */
const SCAN_SLICE = 4096;
/**
 * How long an empty file's add or change is held for its content: a write
 * that truncates first (`writeFile`) is then one change, not two.
 */
const EMPTY_HOLD_MS = 50;

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
const watchTreeNatively: StartTreeWatcher = (root, options, sink, scheduler) => {
  const tree = new NativeTree(root, options, sink, scheduler);
  tree.start();
  return async () => tree.close();
};

/**
 * The native watcher remembers every entry's identity itself (as numbers:
 * no string and no path key per file), so the rename pairer need not.
 */
export const nativeTreeWatcher: TreeWatcherKind = { start: watchTreeNatively, remembers: true };

class NativeTree {
  readonly #root: WatchRoot;
  readonly #maxLevel: number;
  readonly #sink: TreeSink;
  readonly #ignored: IgnoreMatcher;
  /** Held file unlinks, with the identity of the file (see ATOMIC_MS). */
  readonly #unlinks: DelayedPaths<string>;
  /** Empty files whose add or change waits for content; the op to report (see EMPTY_HOLD_MS). */
  readonly #empty: DelayedPaths<FileOp>;
  /** The path of each held unlink, by identity. */
  readonly #heldIds = new Map<string, string>();
  /** Entries in the tree, the root included. */
  #count = 1;
  #rootNode: DirNode | null = null;
  /** Directories found by the initial scan and not read yet. */
  #toScan: DirNode[] = [];
  #seen = 0;
  #slice: NodeJS.Immediate | null = null;
  readonly #poller: FallbackPoller;
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
    this.#ignored = ignoreMatcher(options.ignored);
    this.#poller = new FallbackPoller(scheduler, sink.warn, (node) => this.#rescan(node));
    this.#unlinks = new DelayedPaths<string>(ATOMIC_MS, scheduler, (path, identity) => {
      if (this.#heldIds.get(identity) === path) this.#heldIds.delete(identity);
      sink.changed(FileOp.Unlink, path, false, identity);
    });
    this.#empty = new DelayedPaths<FileOp>(EMPTY_HOLD_MS, scheduler, (path, op) => {
      const stats = lstatSync(path, { throwIfNoEntry: false });
      if (stats !== undefined) sink.changed(op, path, false, fileIdentity(stats), false);
    });
  }

  start(): void {
    const stats = lstatSync(this.#root.dir);
    const node = dirNode(this.#root.dir, 0, stats);
    this.#rootNode = node;
    this.#sink.found(node.path, true, undefined);
    this.#toScan.push(node);
    this.#scanSlice();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#slice !== null) clearImmediate(this.#slice);
    this.#poller.close();
    this.#unlinks.close();
    this.#empty.close();
    this.#heldIds.clear();
    this.#toScan = [];
    if (this.#rootNode !== null) this.#closeTree(this.#rootNode);
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
    this.#sink.tracked(this.#count);
    if (this.#toScan.length > 0) {
      this.#slice = setImmediate(() => this.#scanSlice());
      return;
    }
    this.#poller.paused = false;
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
    this.#seen++;
    this.#count++;
    if (!stats.isDirectory()) {
      node.entries.set(name, new FileEntry(stats));
      if (initial) this.#sink.found(path, false, undefined);
      // Gone and back within the atomic time: an atomic save, one change.
      else if (this.#takeUnlink(path) !== undefined) this.#file(FileOp.Change, path, stats, false);
      else this.#file(FileOp.Add, path, stats, this.#heldIds.has(fileIdentity(stats) ?? ''));
      if (!initial) this.#sink.tracked(this.#count);
      return;
    }
    const child = dirNode(path, node.level + 1, stats);
    node.entries.set(name, child);
    if (initial) {
      this.#sink.found(path, true, undefined);
      if (child.level <= this.#maxLevel) this.#toScan.push(child);
      return;
    }
    const unlinked = this.#takeUnlink(path);
    if (unlinked !== undefined) this.#sink.changed(FileOp.Unlink, path, false, unlinked);
    this.#sink.changed(FileOp.Add, path, true, fileIdentity(stats), false);
    this.#sink.tracked(this.#count);
    if (child.level <= this.#maxLevel) this.#scan(child, false);
  }

  /** Stops holding the unlink of `path`; the identity it was held with, if it was. */
  #takeUnlink(path: string): string | undefined {
    const identity = this.#unlinks.take(path);
    if (identity !== undefined && this.#heldIds.get(identity) === path) {
      this.#heldIds.delete(identity);
    }
    return identity;
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
        if (!node.closed && !this.#closed) this.#poller.add(node, err);
      });
      node.watcher = watcher;
      return true;
    } catch (err) {
      if (isWatchLimit(err)) {
        this.#poller.add(node, err);
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
    if (known instanceof FileEntry && !dir) {
      // A write moves the modification time, finely enough: since Linux 6.13 a file whose time
      // was read gets a fine-grained one on its next change. A file renamed over it is a write.
      if (known.mtime === stats.mtimeMs && !renamed) return;
      known.update(stats);
      this.#file(FileOp.Change, path, stats, false);
      return;
    }
    if (!(known instanceof FileEntry) && dir && known.ino === stats.ino) return;
    // Replaced by an entry of the other kind, or by another directory.
    this.#remove(node, name, known);
    this.#enter(node, name, false, stats);
  }

  /**
   * Reports the add or change of a file, holding an empty one for its
   * content a little (not the new name of a renamed file: the pairer waits).
   */
  #file(op: FileOp, path: string, stats: Stats, renameLikely: boolean): void {
    const held = this.#empty.get(path);
    if (held !== undefined) {
      if (stats.size === 0) return;
      // The content arrived: report the held add (or change) now.
      this.#empty.take(path);
      this.#sink.changed(held, path, false, fileIdentity(stats), false);
      return;
    }
    if (stats.size === 0 && !renameLikely) {
      this.#empty.hold(path, op);
      return;
    }
    this.#sink.changed(op, path, false, fileIdentity(stats), renameLikely);
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
  #remove(node: DirNode, name: string, known: FileEntry | DirNode): void {
    node.entries.delete(name);
    if (!(known instanceof FileEntry)) {
      this.#removeTree(known);
      this.#sink.tracked(this.#count);
      return;
    }
    this.#count--;
    this.#sink.tracked(this.#count);
    const path = `${node.path}/${name}`;
    // An empty file's add never reported: nothing to delete.
    if (this.#empty.take(path) === FileOp.Add) return;
    const identity = identityOf(node.dev, known);
    this.#takeUnlink(path);
    this.#heldIds.set(identity, path);
    this.#unlinks.hold(path, identity);
  }

  /** Reports a directory and everything in it gone, deepest first. */
  #removeTree(node: DirNode): void {
    for (const [name, entry] of node.entries) {
      if (!(entry instanceof FileEntry)) this.#removeTree(entry);
      else {
        this.#count--;
        const path = `${node.path}/${name}`;
        // An empty file's add never reported: nothing to delete.
        if (this.#empty.take(path) === FileOp.Add) continue;
        this.#sink.changed(FileOp.Unlink, path, false, identityOf(node.dev, entry));
      }
    }
    this.#count--;
    this.#closeNode(node);
    this.#sink.changed(FileOp.Unlink, node.path, true, identityOf(node.dev, node));
  }

  #closeTree(node: DirNode): void {
    for (const entry of node.entries.values()) {
      if (!(entry instanceof FileEntry)) this.#closeTree(entry);
    }
    this.#closeNode(node);
  }

  #closeNode(node: DirNode): void {
    node.closed = true;
    node.watcher?.close();
    node.watcher = null;
    this.#poller.delete(node);
  }
}
