import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** One directory watched by one chokidar watcher. */
export interface WatchRoot {
  /** Absolute path of the directory; event names are relative to it. */
  readonly dir: string;
  /**
   * The single files watched through this directory (absolute paths): only
   * changes to them are reported. `null` when the whole tree is watched.
   */
  readonly files: ReadonlySet<string> | null;
}

/**
 * Groups the paths given to `fileSource()` into roots. A directory is a root
 * of its own; a file is watched through its parent directory (one root per
 * parent), so that an editor's atomic save (write a temp file, rename it over
 * the file) is seen as a write of the file and not as a delete. A path that
 * does not exist yet is taken for a file. Reads the filesystem (one `stat`
 * per path).
 */
export function resolveWatchRoots(paths: readonly string[]): WatchRoot[] {
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
  return [
    ...[...dirs].map((dir): WatchRoot => ({ dir, files: null })),
    ...[...files].map(([dir, group]): WatchRoot => ({ dir, files: group })),
  ];
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    // Unreadable (EACCES on a parent): watch it as a file; the watcher reports the error with a fix.
    return false;
  }
}
