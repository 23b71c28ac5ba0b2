import { lstatSync, readdirSync, type Stats, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { SchedulerLike } from 'rxjs';
import { DelayedPaths } from './delayed-paths.ts';
import { FALLBACK_POLL_MS, FallbackPoller } from './fallback-poller.ts';
import { fileIdentity } from './file-identity.ts';
import { type IgnoreMatcher, ignoreMatcher } from './ignore-matcher.ts';
import { onInotifyOverflow } from './inotify-overflow.ts';
import { InotifyOverflowError } from './inotify-overflow-error.ts';
import { levelBelow } from './level-below.ts';
import { LinkTargets } from './link-targets.ts';
import { FileOp } from './rename-pairer.ts';
import { RootPresence } from './root-presence.ts';
import { type DirNode, dirNode, FileEntry, identityOf } from './tree-node.ts';
import {
  ATOMIC_MS,
  type StartTreeWatcher,
  type TreeOptions,
  type TreeRoot,
  type TreeSink,
  type TreeWatcherKind,
} from './tree-watcher.ts';
import { watchDirectory } from './watch-directory.ts';
import { FileWatchError, isWatchLimit } from './watch-errors.ts';
import { WriteStabilizer } from './write-stabilizer.ts';

/** Entries the initial scan reads before it lets events in (one event-loop turn). */
const SCAN_SLICE = 4096;
/**
 * How long an empty file's add or change is held for its content: a write
 * that truncates first (`writeFile`) is then one change, not two.
 */
const EMPTY_HOLD_MS = 50;

/**
 * Watches one root with one `fs.watch` (one inotify watch) per directory,
 * or, with `polling`, by reading each directory again at that interval; a
 * scan stats each entry once. Each directory is watched before it is read,
 * so nothing made during the scan is lost: what the read finds is the
 * initial state, what happens after it arrives as an event. Each event is
 * checked against the disk with one `lstat`. File unlinks are held
 * {@link ATOMIC_MS}, as chokidar holds them, so that an atomic save is one
 * change and a rename's add reaches the pairer before its unlink.
 *
 * - The root itself is watched from its nearest existing ancestor: a root
 *   that does not exist yet is watched once it appears (everything in it is
 *   reported as created); a root deleted is reported (each entry and the
 *   root) and watched again when it comes back; a root that is a link
 *   swapped to another directory is read again and the differences reported.
 * - Symbolic links are entries, not followed; a link whose target is
 *   swapped to other content (a ConfigMap key) is reported as written.
 * - A directory that cannot get a watch (ENOSPC, EMFILE) is polled instead,
 *   with one warning. A read of the kernel's queue that may have overflowed
 *   (Node hides `IN_Q_OVERFLOW`) reads the whole tree again, reports every
 *   difference and warns with `InotifyOverflowError`.
 */
const watchLocalTree: StartTreeWatcher = (root, options, sink, scheduler) => {
  const tree = new LocalTree(root, options, sink, scheduler);
  tree.start();
  return async () => tree.close();
};

/**
 * The local tree remembers every entry's identity itself (as numbers: no
 * string and no path key per file), so the rename pairer need not.
 */
export const localTreeWatcher: TreeWatcherKind = { start: watchLocalTree, remembers: true };

class LocalTree {
  readonly #root: TreeRoot;
  readonly #depth: number;
  readonly #polling: number | null;
  readonly #sink: TreeSink;
  readonly #ignored: IgnoreMatcher;
  /** Held file unlinks, with the identity of the file (see ATOMIC_MS). */
  readonly #unlinks: DelayedPaths<string>;
  /** Empty files whose add or change waits for content; the op to report (see EMPTY_HOLD_MS). */
  readonly #empty: DelayedPaths<FileOp>;
  /** With `awaitWriteFinish`: adds and writes waiting for the size to settle. */
  readonly #unsettled: WriteStabilizer<FileOp> | null;
  /** The path of each held unlink, by identity. */
  readonly #heldIds = new Map<string, string>();
  readonly #links: LinkTargets<FileEntry>;
  readonly #presence: RootPresence;
  readonly #stopOverflow: () => void;
  /** Entries in the tree, the root included. */
  #count = 0;
  #rootNode: DirNode | null = null;
  /** Whether the root, when planted, was a symbolic link (swapped links are read again). */
  #rootIsLink = false;
  /** While a swapped root link is read again: a directory with another identity is the same one. */
  #swapping = false;
  /** Directories found by the initial scan and not read yet. */
  #toScan: DirNode[] = [];
  #seen = 0;
  #slice: NodeJS.Immediate | null = null;
  readonly #poller: FallbackPoller;
  #ready = false;
  #closed = false;

  constructor(root: TreeRoot, options: TreeOptions, sink: TreeSink, scheduler: SchedulerLike) {
    this.#root = root;
    this.#depth = options.depth;
    this.#polling = options.polling;
    this.#sink = sink;
    this.#ignored = ignoreMatcher(options.ignored, root.dir);
    this.#poller = new FallbackPoller(
      scheduler,
      sink.warn,
      (node) => this.#rescan(node),
      options.polling ?? FALLBACK_POLL_MS,
    );
    this.#unlinks = new DelayedPaths<string>(ATOMIC_MS, scheduler, (path, identity) => {
      if (this.#heldIds.get(identity) === path) this.#heldIds.delete(identity);
      sink.changed(FileOp.Unlink, path, false, identity);
    });
    this.#empty = new DelayedPaths<FileOp>(EMPTY_HOLD_MS, scheduler, (path, op) => {
      const stats = lstatSync(path, { throwIfNoEntry: false });
      if (stats !== undefined) sink.changed(op, path, false, fileIdentity(stats), false);
    });
    this.#unsettled =
      options.awaitWriteFinish === undefined || options.awaitWriteFinish === false
        ? null
        : new WriteStabilizer<FileOp>(options.awaitWriteFinish, scheduler, (path, op) => {
            const stats = lstatSync(path, { throwIfNoEntry: false });
            if (stats !== undefined) sink.changed(op, path, false, fileIdentity(stats), false);
          });
    this.#links = new LinkTargets<FileEntry>((path, entry) => {
      const stats = lstatSync(path, { throwIfNoEntry: false });
      if (stats === undefined) return;
      // The link itself may have been replaced too (its event still on its way): one report.
      entry.update(stats);
      sink.changed(FileOp.Change, path, false, fileIdentity(stats), false);
    });
    this.#presence = new RootPresence(root.dir, options.polling, scheduler, () =>
      this.#reconcile(),
    );
    this.#stopOverflow =
      options.polling === null
        ? onInotifyOverflow((events, limit) => this.#overflowed(events, limit))
        : () => {};
  }

  start(): void {
    const stats = directoryStats(this.#root.dir);
    if (stats !== undefined) this.#plant(stats, true);
    this.#aim();
    // Not there yet: watching for it is all there is to do.
    if (stats === undefined) this.#readied();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#slice !== null) clearImmediate(this.#slice);
    this.#stopOverflow();
    this.#presence.close();
    this.#links.close();
    this.#poller.close();
    this.#unlinks.close();
    this.#empty.close();
    this.#unsettled?.close();
    this.#heldIds.clear();
    this.#toScan = [];
    if (this.#rootNode !== null) this.#closeTree(this.#rootNode);
  }

  #readied(): void {
    if (this.#ready) return;
    this.#ready = true;
    this.#poller.paused = false;
    this.#sink.ready();
  }

  /** Takes the root into the tree: `initial` at start (scanned in slices), else it just appeared. */
  #plant(stats: Stats, initial: boolean): void {
    const node = dirNode(this.#root.dir, 0, stats);
    this.#rootNode = node;
    this.#rootIsLink =
      lstatSync(this.#root.dir, { throwIfNoEntry: false })?.isSymbolicLink() ?? false;
    this.#count++;
    if (initial) {
      this.#sink.found(node.path, true, undefined, stats);
      this.#toScan.push(node);
      this.#scanSlice();
      return;
    }
    this.#sink.present(true);
    this.#sink.changed(FileOp.Add, node.path, true, fileIdentity(stats), false);
    this.#scan(node, false);
    this.#sink.tracked(this.#count);
    this.#links.changed();
  }

  /** Looks at the root again: still there, gone, back, or a link now leading elsewhere. */
  #reconcile(): void {
    if (this.#closed) return;
    const stats = directoryStats(this.#root.dir);
    const node = this.#rootNode;
    if (node !== null && stats !== undefined && node.dev === stats.dev && node.ino === stats.ino) {
      this.#aim();
      return;
    }
    const link = lstatSync(this.#root.dir, { throwIfNoEntry: false })?.isSymbolicLink() ?? false;
    if (node !== null && stats !== undefined && this.#rootIsLink && link) {
      this.#swap(node, stats);
    } else {
      if (node !== null) this.#uproot(node);
      if (stats !== undefined) this.#plant(stats, false);
    }
    this.#aim();
  }

  /**
   * Watches for the root from its ancestor while it is missing or a link
   * (a swap changes the link, not what the root's own watch sees); a root
   * that is a directory reports its own removal or move through its watch.
   */
  #aim(): void {
    this.#presence.aim(
      this.#rootNode === null || this.#rootIsLink || this.#rootNode.watcher === null,
    );
  }

  /** The root is gone (or replaced by another directory): everything in it is reported deleted. */
  #uproot(node: DirNode): void {
    this.#rootNode = null;
    this.#toScan = [];
    this.#removeTree(node);
    this.#sink.tracked(this.#count);
    this.#sink.present(false);
    this.#links.changed();
  }

  /** The root link leads to another directory: read everything again there, report the differences. */
  #swap(node: DirNode, stats: Stats): void {
    this.#closeTree(node);
    node.dev = stats.dev;
    node.ino = stats.ino;
    node.birth = stats.birthtimeMs;
    node.mode = stats.mode;
    this.#swapping = true;
    try {
      this.#refreshTree(node, true, null);
    } finally {
      this.#swapping = false;
    }
    this.#sink.tracked(this.#count);
    this.#links.changed();
  }

  /** The kernel's queue may have overflowed: every directory is read again. */
  #overflowed(events: number, limit: number): void {
    if (this.#closed) return;
    // Warned first: what the rescan reports comes after the warning that explains it.
    this.#sink.warn(new InotifyOverflowError(this.#root.dir, events, limit));
    this.#reconcile();
    const node = this.#rootNode;
    if (node !== null) {
      // Directories the initial scan has not read yet will report their entries as found.
      this.#refreshTree(node, false, new Set(this.#toScan));
      this.#sink.tracked(this.#count);
    }
    this.#links.check();
  }

  /**
   * Reads `node` and the directories below it again, reporting every
   * difference (watching each again first when `rewatch`); `skip`: nodes
   * not to read.
   */
  #refreshTree(node: DirNode, rewatch: boolean, skip: ReadonlySet<DirNode> | null): void {
    if (skip?.has(node) || (node.closed && !rewatch)) return;
    if (rewatch) {
      node.closed = false;
      if (!this.#watch(node)) return;
    }
    const before: DirNode[] = [];
    for (const entry of node.entries.values()) {
      if (!(entry instanceof FileEntry) && this.#reaches(entry)) before.push(entry);
    }
    this.#rescan(node);
    for (const child of before) {
      // Still there (not replaced, so not read already as a new directory): read it again too.
      if (node.entries.get(basename(child.path)) === child) this.#refreshTree(child, rewatch, skip);
    }
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
    this.#readied();
  }

  /**
   * Whether the directory is watched and read: within `depth` of the root;
   * for single files, only a watched path that is a directory, and below it.
   */
  #reaches(node: DirNode): boolean {
    const files = this.#root.files;
    if (files === null) return node.level <= this.#depth;
    for (const file of files) {
      const level = levelBelow(file, node.path);
      if (level !== null && level <= this.#depth) return true;
    }
    return false;
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
      const entry = new FileEntry(stats);
      node.entries.set(name, entry);
      if (stats.isSymbolicLink()) {
        this.#links.track(path, entry);
        // A new link can complete a path another link leads through (the first `..data`).
        if (!initial) this.#links.changed();
      }
      if (initial) this.#sink.found(path, false, undefined, stats);
      // Gone and back within the atomic time: an atomic save, one change.
      else if (this.#takeUnlink(path) !== undefined) this.#file(FileOp.Change, path, stats, false);
      else this.#file(FileOp.Add, path, stats, this.#heldIds.has(fileIdentity(stats) ?? ''));
      if (!initial) this.#sink.tracked(this.#count);
      return;
    }
    const child = dirNode(path, node.level + 1, stats);
    node.entries.set(name, child);
    if (initial) {
      this.#sink.found(path, true, undefined, stats);
      if (this.#reaches(child)) this.#toScan.push(child);
      return;
    }
    const unlinked = this.#takeUnlink(path);
    if (unlinked !== undefined) this.#sink.changed(FileOp.Unlink, path, false, unlinked);
    this.#sink.changed(FileOp.Add, path, true, fileIdentity(stats), false);
    this.#sink.tracked(this.#count);
    this.#links.changed();
    if (this.#reaches(child)) this.#scan(child, false);
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
    if (this.#polling !== null) {
      this.#poller.add(node, null);
      return true;
    }
    const own = node === this.#rootNode ? basename(node.path) : null;
    try {
      const watcher = watchDirectory(
        node.path,
        (_type, name) => {
          if (this.#closed || node.closed) return;
          // The root's own removal or move comes with its own name: look at the root again.
          if (name === own) this.#reconcile();
          if (node.closed) return;
          if (name === null || name === '') this.#rescan(node);
          else this.#check(node, name);
        },
        (err) => {
          if (node.watcher === watcher) node.watcher = null;
          if (!node.closed && !this.#closed) this.#poller.add(node, err);
        },
      );
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
  #check(node: DirNode, name: string): void {
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
      // A file renamed over it is a write: another inode (the same one: nothing changed).
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
        this.#links.track(path, known);
        this.#links.changed();
      } else this.#links.forget(path);
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
      if (this.#swapping) {
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

  /**
   * Reports the add or change of a file, holding an empty one for its
   * content a little (not the new name of a renamed file: the pairer waits).
   */
  #file(op: FileOp, path: string, stats: Stats, renameLikely: boolean): void {
    // A link in the tree may lead to this file: what it reads changed too.
    this.#links.changed();
    if (this.#unsettled !== null && !renameLikely && !stats.isSymbolicLink()) {
      this.#unsettled.hold(path, op, stats.size);
      return;
    }
    const held = this.#empty.get(path);
    if (held !== undefined) {
      if (stats.size === 0) return;
      // The content arrived: report the held add (or change) now.
      this.#empty.take(path);
      this.#sink.changed(held, path, false, fileIdentity(stats), false);
      return;
    }
    if (stats.size === 0 && !renameLikely && !stats.isSymbolicLink()) {
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
      // Gone: its parent reports it (the root: its presence watch does).
      if (node === this.#rootNode) this.#reconcile();
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
    this.#links.changed();
    if (!(known instanceof FileEntry)) {
      this.#removeTree(known);
      this.#sink.tracked(this.#count);
      return;
    }
    this.#count--;
    this.#sink.tracked(this.#count);
    const path = `${node.path}/${name}`;
    this.#links.forget(path);
    // An add never reported (empty, or its size not settled): nothing to delete.
    if (this.#empty.take(path) === FileOp.Add) return;
    if (this.#unsettled?.take(path) === FileOp.Add) return;
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
        this.#links.forget(path);
        // An add never reported (empty, or its size not settled): nothing to delete.
        if (this.#empty.take(path) === FileOp.Add) continue;
        if (this.#unsettled?.take(path) === FileOp.Add) continue;
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

/** The stats of `path` when it is a directory (following links), else `undefined`. */
function directoryStats(path: string): Stats | undefined {
  try {
    const stats = statSync(path, { throwIfNoEntry: false });
    return stats?.isDirectory() ? stats : undefined;
  } catch {
    return undefined;
  }
}
