import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { sep } from 'node:path';
import type { IgnoreMatcher } from '../../local-watcher/ignore-matcher.ts';
import { ColumnWriter, SnapshotColumns, type SnapshotEntry } from './snapshot-columns.ts';
import { snapshotEntry } from './tree-diff.ts';
import type { WatchRoot } from './watch-roots.ts';

/** A picture of the watched trees as a map: absolute path -> entry. */
export type TreeSnapshot = Map<string, SnapshotEntry>;

/** The entry for `path` now, or null when it is gone. */
export function statEntry(path: string): SnapshotEntry | null {
  try {
    return snapshotEntry(lstatSync(path));
  } catch {
    return null;
  }
}

/**
 * Walks the roots as the file source reports them (single files only, the
 * `depth` limit, the `ignored` matcher, the levels an enclosing root already
 * reports left out) and records every entry, the roots' own directories
 * excluded. Entries that vanish during the walk are skipped.
 */
export async function walkTree(
  roots: readonly WatchRoot[],
  depth: number,
  ignore: IgnoreMatcher,
  visit: (path: string, stats: Stats) => void,
): Promise<void> {
  // Synchronous calls: an awaited lstat per entry costs ten times as much on a large tree.
  const add = (path: string): Stats | null => {
    if (ignore.byPath(path)) return null;
    let stats: Stats;
    try {
      stats = lstatSync(path);
    } catch {
      return null;
    }
    if (ignore.byStats(path, stats)) return null;
    visit(path, stats);
    return stats;
  };
  const statOf = (path: string): Stats | null => lstatSync(path, { throwIfNoEntry: false }) ?? null;
  for (const root of roots) {
    if (root.files !== null) {
      for (const file of root.files) add(file);
      continue;
    }
    const walk = (dir: string, level: number): void => {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        return;
      }
      for (const name of names) {
        const path = dir + sep + name;
        let stats: Stats | null;
        try {
          stats = level > root.covered ? add(path) : statOf(path);
        } catch {
          stats = null;
        }
        if (stats?.isDirectory() === true && level < depth) walk(path, level + 1);
      }
    };
    walk(root.dir, 1);
    // Let the event loop breathe between roots.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The snapshot as checkpoint text (format 3, see {@link SnapshotColumns}). */
export function serializeSnapshot(snapshot: TreeSnapshot): string {
  const writer = new ColumnWriter();
  for (const [path, entry] of snapshot) writer.add(path, entry);
  return writer.encode();
}

/**
 * A snapshot read back as a map, or null when `text` is not one (see
 * {@link SnapshotColumns.decode}): for tools and tests; the file source reads the columns.
 */
export function parseSnapshot(text: string): TreeSnapshot | null {
  const columns = SnapshotColumns.decode(text);
  return columns === null ? null : snapshotOf(columns);
}

/** Columns as a map, by path. */
export function snapshotOf(columns: SnapshotColumns): TreeSnapshot {
  const snapshot: TreeSnapshot = new Map();
  for (let i = 0; i < columns.length; i++) snapshot.set(columns.path(i), columns.entry(i));
  return snapshot;
}
