import { type Dirent, lstatSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** How many directories and files a watch covers. */
export interface TreeCount {
  readonly directories: number;
  readonly files: number;
}

/**
 * Counts the directories and files under `roots` (absolute), leaving out what `ignored` matches
 * and not following symbolic links (a link counts as a file). A root that is a file counts as
 * one file. Reads one directory at a time: it runs once, after the watch is ready.
 */
export async function countTree(
  roots: readonly string[],
  ignored: (path: string) => boolean,
): Promise<TreeCount> {
  let directories = 0;
  let files = 0;
  const pending: string[] = [];
  for (const root of roots) {
    if (ignored(root)) continue;
    try {
      if (lstatSync(root).isDirectory()) pending.push(root);
      else files++;
    } catch {
      // Gone since the watch started: nothing to count.
    }
  }
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    directories++;
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (ignored(path)) continue;
      if (entry.isDirectory()) pending.push(path);
      else files++;
    }
  }
  return { directories, files };
}
