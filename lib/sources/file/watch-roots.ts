import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { levelBelow } from '../../local-watcher/level-below.ts';
import type { TreeRoot } from '../../local-watcher/tree-watcher.ts';

/** One directory watched by one tree watcher. */
export interface WatchRoot extends TreeRoot {
  /**
   * For a directory inside another directory root (kept because the depth
   * limit stops the outer one short of its deeper levels): the deepest level
   * below `dir` that the enclosing roots already report (`dir` itself is
   * level 0, its entries level 1), so this root reports only what lies
   * deeper. -1 when it is the only root reaching any of its tree.
   */
  readonly covered: number;
}

/**
 * Groups the paths given to `fileSource()` into roots, each path reported by
 * one root only. A directory is a root of its own; a file is watched through
 * its parent directory (one root per parent), so that an editor's atomic save
 * (write a temp file, rename it over the file) is seen as a write of the file
 * and not as a delete. A path that does not exist yet is taken for a file.
 *
 * Overlaps are resolved towards the outer directory, which then names the
 * events (their `actorName` is relative to it): a directory inside another
 * directory root is dropped when `depth` lets the outer one reach all of it,
 * else kept for its deeper levels only (see {@link WatchRoot.covered}); a
 * single file is dropped when a directory root's `depth` reaches it. A path
 * given twice, under any spelling, is watched once. Symbolic links are not
 * followed to find overlaps.
 *
 * @param depth The source's `depth` (levels below each directory root; `Infinity`: all).
 * @param isDirectory Tells directories from files; default: one `stat` per path.
 */
export function resolveWatchRoots(
  paths: readonly string[],
  depth: number,
  isDirectory: (path: string) => boolean = isDirectoryOnDisk,
): WatchRoot[] {
  const dirs = new Set<string>();
  const files = new Map<string, Set<string>>();
  for (const given of paths) {
    const path = resolve(given);
    if (isDirectory(path)) {
      dirs.add(path);
      continue;
    }
    const parent = dirname(path);
    const group = files.get(parent) ?? new Set<string>();
    group.add(path);
    files.set(parent, group);
  }
  // A directory root reaches its entries (level 1) down to level depth + 1.
  const reach = depth + 1;
  const roots: WatchRoot[] = [];
  for (const dir of dirs) {
    // The nearest enclosing root decides: the others reach less of this tree, and whatever part of
    // it they reach, the nearest one reaches too (reported by one of them, outermost first).
    const nearest = nearestEnclosing(dirs, dir);
    if (nearest === null) {
      roots.push({ dir, files: null, covered: -1 });
      continue;
    }
    const covered = reach - nearest;
    if (covered >= reach) continue; // Infinity - n: the outer root reaches all of it
    roots.push({ dir, files: null, covered: Math.max(-1, covered) });
  }
  for (const [dir, group] of files) {
    // A single file is at level 1 below its parent: reached if the parent is within the depth.
    const nearest = nearestEnclosing(dirs, dir, true);
    if (nearest !== null && nearest + 1 <= reach) continue;
    roots.push({ dir, files: group, covered: -1 });
  }
  return roots;
}

/**
 * How many levels below the nearest of `dirs` that encloses `path` it lies
 * (`path` itself counts, at 0, only when `orSelf`), or `null` when none does.
 */
function nearestEnclosing(dirs: ReadonlySet<string>, path: string, orSelf = false): number | null {
  let nearest: number | null = null;
  for (const dir of dirs) {
    const level = levelBelow(dir, path);
    if (level === null || (level === 0 && !orSelf)) continue;
    if (nearest === null || level < nearest) nearest = level;
  }
  return nearest;
}

function isDirectoryOnDisk(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    // Unreadable (EACCES on a parent): watch it as a file; the watcher reports the error with a fix.
    return false;
  }
}
