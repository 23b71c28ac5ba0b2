import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/** What a file that is not a regular one is, for the message. */
function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Reads a small input file (a mounts file, a PEM) whole, bounded: it must be
 * a regular file (never a device such as `/dev/zero`, a pipe that would block
 * or a directory) of at most `maxBytes`, and no more than that is ever read,
 * even if it grows meanwhile. Synchronous and quick: never blocks on a pipe
 * (opened non-blocking).
 *
 * @throws Error whose message says in a few words what is wrong ("is a character device",
 *   "is larger than 4194304 bytes") or the system's error (ENOENT...).
 */
export function readBoundedFileSync(file: string, maxBytes: number): Buffer {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new Error(`is ${kindOf(stats)}, not a regular file`);
    if (stats.size > maxBytes) {
      throw new Error(`is larger than ${maxBytes} bytes (${stats.size})`);
    }
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > maxBytes) throw new Error(`is larger than ${maxBytes} bytes`);
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}
