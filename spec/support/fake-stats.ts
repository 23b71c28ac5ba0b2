import type { Stats } from 'node:fs';

/**
 * Stats as the file source reads them, for specs that need no disk: device 1,
 * inode `ino`, birth time `ino * 10` ms (so an identity is `1:<ino>:<ino * 10>`).
 */
export function fakeStats(ino: number, size: number, mtimeMs: number, dir = false): Stats {
  return {
    dev: 1,
    ino,
    birthtimeMs: ino * 10,
    size,
    mtimeMs,
    isDirectory: () => dir,
    isSymbolicLink: () => false,
    isFile: () => !dir,
  } as unknown as Stats;
}
