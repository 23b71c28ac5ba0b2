import type { Stats } from 'node:fs';
import type { WatchHandle } from './watch-directory.ts';

/** One file of a watched tree: what tells a write (its modification time) and its identity. */
export class FileEntry {
  mtime: number;
  ino: number;
  birth: number;
  /** Type and permission bits: a change of them alone is an attribute change. */
  mode: number;

  constructor(stats: Stats) {
    this.mtime = stats.mtimeMs;
    this.ino = stats.ino;
    this.birth = stats.birthtimeMs;
    this.mode = stats.mode;
  }

  /** Takes the stats of what is now at its path (a write, or a file renamed over it). */
  update(stats: Stats): void {
    this.mtime = stats.mtimeMs;
    this.ino = stats.ino;
    this.birth = stats.birthtimeMs;
    this.mode = stats.mode;
  }
}

/** One directory of a watched tree. */
export interface DirNode {
  readonly path: string;
  /** Levels below the root (the root is 0). */
  readonly level: number;
  /** The identity of the directory (changed when a swapped root link now leads elsewhere). */
  dev: number;
  ino: number;
  birth: number;
  mode: number;
  /** Each entry by name: a file, or a directory's node. */
  readonly entries: Map<string, FileEntry | DirNode>;
  watcher: WatchHandle | null;
  closed: boolean;
}

/** A directory's node, with no entries yet. */
export function dirNode(path: string, level: number, stats: Stats): DirNode {
  return {
    path,
    level,
    dev: stats.dev,
    ino: stats.ino,
    birth: stats.birthtimeMs,
    mode: stats.mode,
    entries: new Map(),
    watcher: null,
    closed: false,
  };
}

/**
 * `fileIdentity()` of an entry from what the tree keeps, built only when
 * needed (a file is on its directory's device): the tree keeps numbers, not
 * a string per file.
 */
export function identityOf(dev: number, entry: FileEntry | DirNode): string {
  return `${dev}:${entry.ino}:${entry.birth}`;
}

/** Closes `node` (its watch stops, it reports nothing more); `closed` is told, to forget it. */
export function closeDirNode(node: DirNode, closed: (node: DirNode) => void): void {
  node.closed = true;
  node.watcher?.close();
  node.watcher = null;
  closed(node);
}

/** Closes `node` and every directory below it, deepest first (see {@link closeDirNode}). */
export function closeDirTree(node: DirNode, closed: (node: DirNode) => void): void {
  for (const entry of node.entries.values()) {
    if (!(entry instanceof FileEntry)) closeDirTree(entry, closed);
  }
  closeDirNode(node, closed);
}
