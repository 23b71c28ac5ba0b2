import { watch } from 'node:fs';
import { countWatchEvent } from './inotify-overflow.ts';
import { type WatchHandle, watchThread } from './watch-thread.ts';

export type { WatchHandle };

/**
 * The one place batchwatch opens a native, non-recursive watch on a local
 * directory (one inotify watch on Linux). On Linux the events are read on
 * the process's watch thread (see `watch-thread.ts`), where a blocked main
 * thread cannot stall them; elsewhere, or with `BATCHWATCH_WATCH_THREAD=0`,
 * on the calling thread. Either way every event is counted, so that a read
 * that found the kernel's queue full is noticed (see `onInotifyOverflow`).
 * `listener` gets fs.watch's event type and entry name (`null` when the
 * kernel gave none); `onError` a failure of the watch after it was opened
 * (the watch is then closed).
 *
 * @throws what `fs.watch` throws (ENOENT, ENOSPC, EMFILE, EACCES...), with its `code`.
 */
export function watchDirectory(
  path: string,
  listener: (type: string, name: string | null) => void,
  onError: (error: Error) => void,
): WatchHandle {
  let closed = false;
  const close = (handle: WatchHandle): void => {
    if (closed) return;
    closed = true;
    open--;
    handle.close();
  };
  const failed = (error: Error): void => {
    if (closed) return;
    closed = true;
    open--;
    onError(error);
  };
  const remote = watchThread()?.watch(path, listener, failed);
  if (remote !== undefined && remote !== null) {
    open++;
    return { close: () => close(remote) };
  }
  const watcher = watch(path, { persistent: true }, (type, name) => {
    countWatchEvent();
    listener(type, typeof name === 'string' ? name : null);
  });
  open++;
  watcher.on('error', (error) => {
    watcher.close();
    failed(error);
  });
  return { close: () => close(watcher) };
}

let open = 0;

/** How many native watches are open through {@link watchDirectory}, on either thread. */
export function openWatches(): number {
  return open;
}
