import { type FSWatcher, watch } from 'node:fs';
import { countWatchEvent } from './inotify-overflow.ts';

/**
 * The one place batchwatch opens a native, non-recursive watch on a local
 * directory (one inotify watch on Linux): every event is counted, so that a
 * read that found the kernel's queue full is noticed (see
 * `onInotifyOverflow`). `listener` gets fs.watch's event type and entry
 * name (`null` when the kernel gave none).
 *
 * @throws what `fs.watch` throws (ENOENT, ENOSPC, EMFILE, EACCES...).
 */
export function watchDirectory(
  path: string,
  listener: (type: string, name: string | null) => void,
): FSWatcher {
  return watch(path, { persistent: true }, (type, name) => {
    countWatchEvent();
    listener(type, typeof name === 'string' ? name : null);
  });
}
