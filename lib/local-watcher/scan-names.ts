import { lstatSync, readdirSync, type Stats } from 'node:fs';
import type { DirNode } from './tree-node.ts';
import type { TreeSink } from './tree-watcher.ts';
import { FileWatchError } from './watch-errors.ts';

/** The names a scan enters for a directory: read, or `known` (given by the sink, untrusted). */
export interface ScanNames {
  readonly names: readonly string[];
  readonly known: boolean;
}

/**
 * The names of `node`, now watched, for its scan; null when it is gone
 * (its parent's event reports it) or unreadable (warned). Any change from
 * here on is an event, so in the initial scan a sink that knows the names
 * of a directory unchanged since it was read (its ctime and identity, read
 * now: a restart's saved snapshot, see `TreeSink.names`) is asked first;
 * a directory read is told to it (`TreeSink.listed`).
 */
export function scanNames(node: DirNode, initial: boolean, sink: TreeSink): ScanNames | null {
  const told = initial && sink.listed !== undefined;
  const readAt = told ? Date.now() : 0;
  const stats = told ? statsOf(node.path) : undefined;
  const known = stats === undefined ? undefined : sink.names?.(node.path, stats);
  if (known !== undefined) return { names: known, known: true };
  let names: string[];
  try {
    names = readdirSync(node.path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') sink.warn(new FileWatchError(node.path, err));
    return null;
  }
  if (stats !== undefined) sink.listed?.(node.path, stats, names.length, readAt);
  return { names, known: false };
}

/** The stats of `path`, or undefined (gone, or not readable: then it is read, and that fails). */
function statsOf(path: string): Stats | undefined {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}
