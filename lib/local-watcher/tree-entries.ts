import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { basename } from 'node:path';
import type { SchedulerLike } from 'rxjs';
import { ChangeHolds } from './change-holds.ts';
import { FALLBACK_POLL_MS, FallbackPoller } from './fallback-poller.ts';
import { fileIdentity } from './file-identity.ts';
import { type IgnoreMatcher, ignoreMatcher } from './ignore-matcher.ts';
import { levelBelow } from './level-below.ts';
import { LinkTargets } from './link-targets.ts';
import { FileOp } from './rename-pairer.ts';
import { scanNames } from './scan-names.ts';
import { TransientEntries } from './transient-entries.ts';
import {
  closeDirNode,
  closeDirTree,
  type DirNode,
  dirNode,
  FileEntry,
  identityOf,
} from './tree-node.ts';
import type { TreeOptions, TreeRoot, TreeSink } from './tree-watcher.ts';
import { watchNode } from './watch-node.ts';

/**
 * The directories and entries of one local tree (see `local-tree-watcher.ts`,
 * which keeps the root itself: planted, gone, swapped): each directory is
 * watched before it is read, each event is checked against the disk with
 * one `lstat`, and every difference is reported to the sink, through the
 * {@link ChangeHolds} for files.
 */
export class TreeEntries {
  readonly #root: TreeRoot;
  readonly #depth: number;
  readonly #polling: number | null;
  readonly #sink: TreeSink;
  readonly #ignored: IgnoreMatcher;
  /** Looks at the root again (an event on the root's own name, or its directory gone). */
  readonly #reconcile: () => void;
  /** With `transient`: entries created and gone before they could be read, one report per short life. */
  readonly #transient: TransientEntries | null;
  readonly holds: ChangeHolds;
  readonly links: LinkTargets<FileEntry>;
  readonly poller: FallbackPoller;
  /** Entries in the tree, the root included. */
  count = 0;
  /** The root's node, while the root is planted. */
  rootNode: DirNode | null = null;
  /** While a swapped root link is read again: a directory with another identity is the same one. */
  swapping = false;
  /** Directories found by the initial scan and not read yet. */
  toScan: DirNode[] = [];
  /** Entries the initial scan has seen. */
  seen = 0;
  closed = false;

  constructor(
    root: TreeRoot,
    options: TreeOptions,
    sink: TreeSink,
    scheduler: SchedulerLike,
    reconcile: () => void,
  ) {
    this.#root = root;
    this.#depth = options.depth;
    this.#polling = options.polling;
    this.#sink = sink;
    this.#reconcile = reconcile;
    this.#transient = options.transient === true ? new TransientEntries(sink) : null;
    this.#ignored = ignoreMatcher(options.ignored, root.dir);
    this.poller = new FallbackPoller(
      scheduler,
      sink.warn,
      (node) => this.rescan(node),
      options.polling ?? FALLBACK_POLL_MS,
    );
    this.holds = new ChangeHolds(sink, scheduler, options.awaitWriteFinish);
    this.links = new LinkTargets<FileEntry>((path, entry) => {
      const stats = lstatSync(path, { throwIfNoEntry: false });
      if (stats === undefined) return;
      // The link itself may have been replaced too (its event still on its way): one report.
      entry.update(stats);
      sink.changed(FileOp.Change, path, false, fileIdentity(stats), false);
    });
  }
  /**
   * Reads `node` and the directories below it again, reporting every
   * difference (watching each again first when `rewatch`); `skip`: nodes
   * not to read.
   */
  refreshTree(node: DirNode, rewatch: boolean, skip: ReadonlySet<DirNode> | null): void {
    if (skip?.has(node) || (node.closed && !rewatch)) return;
    if (rewatch) {
      node.closed = false;
      if (!this.#watch(node)) return;
    }
    const before: DirNode[] = [];
    for (const entry of node.entries.values()) {
      if (!(entry instanceof FileEntry) && this.reaches(entry)) before.push(entry);
    }
    this.rescan(node);
    for (const child of before) {
      // Still there (not replaced, so not read already as a new directory): read it again too.
      if (node.entries.get(basename(child.path)) === child) this.refreshTree(child, rewatch, skip);
    }
  }

  /**
   * Whether the directory is watched and read: within `depth` of the root;
   * for single files, only a watched path that is a directory, and below it.
   */
  reaches(node: DirNode): boolean {
    const files = this.#root.files;
    if (files === null) return node.level <= this.#depth;
    for (const file of files) {
      const level = levelBelow(file, node.path);
      if (level !== null && level <= this.#depth) return true;
    }
    return false;
  }

  /** Watches a directory, then reads it: `initial` entries are found, the others are adds. */
  scan(node: DirNode, initial: boolean): void {
    if (!this.#watch(node)) return;
    const found = scanNames(node, initial, this.#sink);
    if (found === null) return;
    for (const name of found.names) {
      // Known names are untrusted (a saved snapshot): one given twice is entered once.
      if (!found.known || !node.entries.has(name)) this.#enter(node, name, initial, undefined);
    }
  }

  /** Takes a new entry of `node` into the tree and reports it. */
  #enter(node: DirNode, name: string, initial: boolean, known: Stats | undefined): void {
    const path = `${node.path}/${name}`;
    if (this.#ignored.byPath(path)) return;
    const stats = known ?? lstatSync(path, { throwIfNoEntry: false });
    if (stats === undefined || this.#ignored.byStats(path, stats)) return;
    this.seen++;
    this.count++;
    if (!stats.isDirectory()) {
      const entry = new FileEntry(stats);
      node.entries.set(name, entry);
      if (stats.isSymbolicLink()) {
        this.links.track(path, entry);
        // A new link can complete a path another link leads through (the first `..data`).
        if (!initial) this.links.changed();
      }
      if (initial) this.#sink.found(path, false, undefined, stats);
      // Gone and back within the atomic time: an atomic save, one change.
      else if (this.holds.takeUnlink(path) !== undefined) {
        this.#file(FileOp.Change, path, stats, false);
      } else this.#file(FileOp.Add, path, stats, this.holds.holdsUnlinkOf(fileIdentity(stats)));
      if (!initial) this.#sink.tracked(this.count);
      return;
    }
    const child = dirNode(path, node.level + 1, stats);
    node.entries.set(name, child);
    if (initial) {
      this.#sink.found(path, true, undefined, stats);
      if (this.reaches(child)) this.toScan.push(child);
      return;
    }
    const unlinked = this.holds.takeUnlink(path);
    if (unlinked !== undefined) this.#sink.changed(FileOp.Unlink, path, false, unlinked);
    this.#sink.changed(FileOp.Add, path, true, fileIdentity(stats), false);
    this.#sink.tracked(this.count);
    this.links.changed();
    if (this.reaches(child)) this.scan(child, false);
  }

  /** Watches `node` natively, or polls it; false when it cannot be watched at all (warned). */
  #watch(node: DirNode): boolean {
    if (this.#polling !== null) {
      this.poller.add(node, null);
      return true;
    }
    const own = node === this.rootNode ? basename(node.path) : null;
    return watchNode(
      node,
      this.poller,
      (warning) => this.#sink.warn(warning),
      (type, name) => {
        if (this.closed || node.closed) return;
        // The root's own removal or move comes with its own name: look at the root again.
        if (name === own) this.#reconcile();
        if (node.closed) return;
        if (name === null || name === '') this.rescan(node);
        else this.#check(node, name, type);
      },
      () => !this.closed,
    );
  }

  /**
   * Compares one entry of `node` with the disk and reports the difference;
   * `event` is the type of the event that named it (`rename`, `change`), if one did.
   */
  #check(node: DirNode, name: string, event?: string): void {
    const path = `${node.path}/${name}`;
    const known = node.entries.get(name);
    const ignored = this.#ignored.byPath(path);
    const stats = ignored ? undefined : lstatSync(path, { throwIfNoEntry: false });
    if (stats === undefined || this.#ignored.byStats(path, stats)) {
      if (known !== undefined) {
        this.#remove(node, name, known);
        // Found gone by a write's event: the removal's own `rename` is still to come.
        if (event === 'change' && stats === undefined && !ignored) this.#transient?.ending(path);
      } else if (event !== undefined && stats === undefined && !ignored) {
        this.#transient?.seen(path, event);
      }
      return;
    }
    this.#transient?.exists(path);
    if (known === undefined) {
      this.#enter(node, name, false, stats);
      return;
    }
    const dir = stats.isDirectory();
    if (known instanceof FileEntry && !dir) {
      // A write moves the modification time, finely enough: since Linux 6.13 a file whose time
      // was read gets a fine-grained one on its next change. A file renamed over it is a write:
      // another inode (the same one: nothing changed).
      if (known.mtime === stats.mtimeMs && known.ino === stats.ino) {
        if (known.mode !== stats.mode) {
          known.mode = stats.mode;
          this.#sink.attributes?.(path, false);
        }
        return;
      }
      known.update(stats);
      if (stats.isSymbolicLink()) {
        // Reported here as written: following it again must not report it twice.
        this.links.track(path, known);
        this.links.changed();
      } else this.links.forget(path);
      this.#file(FileOp.Change, path, stats, false);
      return;
    }
    if (!(known instanceof FileEntry) && dir) {
      if (known.ino === stats.ino) {
        if (known.mode !== stats.mode) {
          known.mode = stats.mode;
          this.#sink.attributes?.(path, true);
        }
        return;
      }
      if (this.swapping) {
        // Through a swapped root link: the same directory, elsewhere; its entries are compared next.
        known.dev = stats.dev;
        known.ino = stats.ino;
        known.birth = stats.birthtimeMs;
        known.mode = stats.mode;
        return;
      }
    }
    // Replaced by an entry of the other kind, or by another directory.
    this.#remove(node, name, known);
    this.#enter(node, name, false, stats);
  }

  /** Reports the add or change of a file (see {@link ChangeHolds.file}). */
  #file(op: FileOp, path: string, stats: Stats, renameLikely: boolean): void {
    // A link in the tree may lead to this file: what it reads changed too.
    this.links.changed();
    this.holds.file(op, path, stats, renameLikely);
  }

  /** Reads `node` again and reports every difference (after an overflow, or when polling). */
  rescan(node: DirNode): void {
    let names: string[];
    try {
      names = readdirSync(node.path);
    } catch {
      // Gone: its parent reports it (the root: its presence watch does).
      if (node === this.rootNode) this.#reconcile();
      return;
    }
    const present = new Set(names);
    for (const [name, known] of node.entries) {
      if (!present.has(name)) this.#remove(node, name, known);
    }
    for (const name of names) this.#check(node, name);
  }

  /** Reports an entry gone: a file once the atomic time has passed, a directory and its tree now. */
  #remove(node: DirNode, name: string, known: FileEntry | DirNode): void {
    node.entries.delete(name);
    this.links.changed();
    if (!(known instanceof FileEntry)) {
      this.removeTree(known);
      this.#sink.tracked(this.count);
      return;
    }
    this.count--;
    this.#sink.tracked(this.count);
    const path = `${node.path}/${name}`;
    this.links.forget(path);
    // An add never reported (empty, or its size not settled): nothing to delete.
    if (this.holds.forgetAdd(path)) return;
    this.holds.holdUnlink(path, identityOf(node.dev, known));
  }

  /** Reports a directory and everything in it gone, deepest first. */
  removeTree(node: DirNode): void {
    this.#transient?.forgetBelow(node.path);
    for (const [name, entry] of node.entries) {
      if (!(entry instanceof FileEntry)) this.removeTree(entry);
      else {
        this.count--;
        const path = `${node.path}/${name}`;
        this.links.forget(path);
        // An add never reported (empty, or its size not settled): nothing to delete.
        if (this.holds.forgetAdd(path)) continue;
        this.#sink.changed(FileOp.Unlink, path, false, identityOf(node.dev, entry));
      }
    }
    this.count--;
    closeDirNode(node, this.#forget);
    this.#sink.changed(FileOp.Unlink, node.path, true, identityOf(node.dev, node));
  }

  /** Stops every timer and watch of the tree's helpers (the directories are closed apart). */
  release(): void {
    this.links.close();
    this.poller.close();
    this.holds.close();
    this.#transient?.close();
  }

  /** Closes `node` and the directories below it (their watches and polls stop). */
  closeTree(node: DirNode): void {
    closeDirTree(node, this.#forget);
  }

  /** A closed directory is polled no more. */
  readonly #forget = (node: DirNode): void => {
    this.poller.delete(node);
  };
}
