import { lstatSync, type Stats, statSync } from 'node:fs';
import type { SchedulerLike } from 'rxjs';
import { ChangeHolds } from './change-holds.ts';
import { fileIdentity } from './file-identity.ts';
import { onInotifyOverflow } from './inotify-overflow.ts';
import { InotifyOverflowError } from './inotify-overflow-error.ts';
import { FileOp } from './rename-pairer.ts';
import { RootPresence } from './root-presence.ts';
import { TreeEntries } from './tree-entries.ts';
import { type DirNode, dirNode } from './tree-node.ts';
import type {
  StartTreeWatcher,
  TreeOptions,
  TreeRoot,
  TreeSink,
  TreeWatcherKind,
} from './tree-watcher.ts';

/** Entries the initial scan reads before it lets events in (one event-loop turn). */
const SCAN_SLICE = 4096;

/**
 * Watches one root with one `fs.watch` (one inotify watch) per directory,
 * or, with `polling`, by reading each directory again at that interval; a
 * scan stats each entry once. Each directory is watched before it is read,
 * so nothing made during the scan is lost: what the read finds is the
 * initial state, what happens after it arrives as an event. Each event is
 * checked against the disk with one `lstat`. File unlinks, empty files and
 * unsettled writes are held a little (see {@link ChangeHolds}).
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
  readonly #sink: TreeSink;
  readonly #tree: TreeEntries;
  readonly #presence: RootPresence;
  readonly #stopOverflow: () => void;
  /** Whether the root, when planted, was a symbolic link (swapped links are read again). */
  #rootIsLink = false;
  #slice: NodeJS.Immediate | null = null;
  #ready = false;

  constructor(root: TreeRoot, options: TreeOptions, sink: TreeSink, scheduler: SchedulerLike) {
    this.#root = root;
    this.#sink = sink;
    this.#tree = new TreeEntries(root, options, sink, scheduler, () => this.#reconcile());
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
    if (this.#tree.closed) return;
    this.#tree.closed = true;
    if (this.#slice !== null) clearImmediate(this.#slice);
    this.#stopOverflow();
    this.#presence.close();
    this.#tree.release();
    this.#tree.toScan = [];
    if (this.#tree.rootNode !== null) this.#tree.closeTree(this.#tree.rootNode);
  }

  #readied(): void {
    if (this.#ready) return;
    this.#ready = true;
    this.#tree.poller.paused = false;
    this.#sink.ready();
  }

  /** Takes the root into the tree: `initial` at start (scanned in slices), else it just appeared. */
  #plant(stats: Stats, initial: boolean): void {
    const node = dirNode(this.#root.dir, 0, stats);
    this.#tree.rootNode = node;
    this.#rootIsLink =
      lstatSync(this.#root.dir, { throwIfNoEntry: false })?.isSymbolicLink() ?? false;
    this.#tree.count++;
    if (initial) {
      this.#sink.found(node.path, true, undefined, stats);
      this.#tree.toScan.push(node);
      this.#scanSlice();
      return;
    }
    this.#sink.present(true);
    this.#sink.changed(FileOp.Add, node.path, true, fileIdentity(stats), false);
    this.#tree.scan(node, false);
    this.#sink.tracked(this.#tree.count);
    this.#tree.links.changed();
  }

  /** Looks at the root again: still there, gone, back, or a link now leading elsewhere. */
  #reconcile(): void {
    if (this.#tree.closed) return;
    const stats = directoryStats(this.#root.dir);
    const node = this.#tree.rootNode;
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
      this.#tree.rootNode === null || this.#rootIsLink || this.#tree.rootNode.watcher === null,
    );
  }

  /** The root is gone (or replaced by another directory): everything in it is reported deleted. */
  #uproot(node: DirNode): void {
    this.#tree.rootNode = null;
    this.#tree.toScan = [];
    this.#tree.removeTree(node);
    this.#sink.tracked(this.#tree.count);
    this.#sink.present(false);
    this.#tree.links.changed();
  }

  /** The root link leads to another directory: read everything again there, report the differences. */
  #swap(node: DirNode, stats: Stats): void {
    this.#tree.closeTree(node);
    node.dev = stats.dev;
    node.ino = stats.ino;
    node.birth = stats.birthtimeMs;
    node.mode = stats.mode;
    this.#tree.swapping = true;
    try {
      this.#tree.refreshTree(node, true, null);
    } finally {
      this.#tree.swapping = false;
    }
    this.#sink.tracked(this.#tree.count);
    this.#tree.links.changed();
  }

  /** The kernel's queue may have overflowed: every directory is read again. */
  #overflowed(events: number, limit: number): void {
    if (this.#tree.closed) return;
    // Warned first: what the rescan reports comes after the warning that explains it.
    this.#sink.warn(new InotifyOverflowError(this.#root.dir, events, limit));
    this.#reconcile();
    const node = this.#tree.rootNode;
    if (node !== null) {
      // Directories the initial scan has not read yet will report their entries as found.
      this.#tree.refreshTree(node, false, new Set(this.#tree.toScan));
      this.#sink.tracked(this.#tree.count);
    }
    this.#tree.links.check();
  }

  /** Reads directories of the initial scan until a slice of entries is done, then yields. */
  #scanSlice(): void {
    this.#slice = null;
    const stop = this.#tree.seen + SCAN_SLICE;
    while (this.#tree.toScan.length > 0 && this.#tree.seen < stop && !this.#tree.closed) {
      const node = this.#tree.toScan.pop() as DirNode;
      if (!node.closed) this.#tree.scan(node, true);
    }
    if (this.#tree.closed) return;
    this.#sink.scanned(this.#tree.seen);
    this.#sink.tracked(this.#tree.count);
    if (this.#tree.toScan.length > 0) {
      this.#slice = setImmediate(() => this.#scanSlice());
      return;
    }
    this.#readied();
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
