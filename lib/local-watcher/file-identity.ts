import type { BigIntStats, Stats } from 'node:fs';

/**
 * What makes a file the same file across a rename: its device, inode and
 * birth time, as one string; `undefined` when the stats are missing or carry
 * no inode (some Windows and network filesystems).
 *
 * The birth time matters: ext4 hands a freed inode to the next new file at
 * once, so `rm a; touch b` would otherwise look like `mv a b`. A rename keeps
 * the birth time; a new file gets its own. Where the filesystem records no
 * birth time it is 0 for every file and only device and inode count.
 */
export function fileIdentity(stats: Stats | BigIntStats | undefined): string | undefined {
  if (stats === undefined || Number(stats.ino) === 0) return undefined;
  return `${stats.dev}:${stats.ino}:${Number(stats.birthtimeMs)}`;
}
