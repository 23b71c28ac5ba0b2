import { type BatchwatchError, OptionsError } from '../../errors.ts';
import { InotifyOverflowError } from '../../local-watcher/inotify-overflow-error.ts';
import { FileWatchFallbackError } from '../../local-watcher/watch-errors.ts';
import { EventSource } from '../event-source.ts';
import { FileRootGoneError } from './file-errors.ts';
import { type FileSourceOptions, resolveFileSourceOptions } from './file-source-options.ts';
import { type StopRootWatcher, startWatchThread, watchRoot } from './root-watcher.ts';
import { snapshotCheckpoint } from './snapshot-checkpoint.ts';
import { resolveWatchRoots } from './watch-roots.ts';

/**
 * Local file changes as a shared stream of `file` Events, through the
 * local watcher of `lib/local-watcher/`: on Linux with native events, one
 * inotify watch per directory read on a watch thread, and a scan that stats
 * each entry once (100,000 files in 1,000 directories: 1,001 watches); with
 * polling, the same tree read again at the interval; with native events on
 * other systems: chokidar (which has none of the root, link and full-queue
 * handling below). The
 * first subscriber starts watching (one tree
 * per directory, and one per parent directory of the single files given);
 * the last one to unsubscribe closes every watch and timer.
 *
 * - add/addDir -> FileCreated, change -> FileWritten, unlink/unlinkDir ->
 *   FileDeleted. `actorName` is the path relative to the watched directory
 *   (for a single file: its parent, so the file's name), `actorId` the
 *   absolute path; attributes `path`, `root`, `kind` (`file` | `directory`)
 *   and, on a rename, `oldPath`.
 * - An unlink and an add of the same file within `renameWindow` are one
 *   FileRenamed with `oldName`. A rename out of the tree is a delete, into it
 *   a create.
 * - A single file is watched through its parent directory: an editor's
 *   atomic save is one FileWritten; renaming the file away is a FileRenamed;
 *   changes to its neighbours are not reported.
 * - Overlapping paths report each change once, named relative to the outer
 *   directory: a path given twice, or a directory or single file inside a
 *   given directory, is left to that directory as far as `depth` lets it
 *   reach. `fileSource(['.', './app.yaml'])` reports exactly what
 *   `fileSource('.')` does: the file is `app.yaml` with `root` the directory,
 *   and a file renamed onto it is a FileRenamed. Beyond the outer
 *   directory's `depth`, a directory given inside it reports its deeper
 *   levels, named relative to itself (the `root` attribute says which).
 * - Order is kept per path; a delete waits for the rename window.
 * - `ready` once the initial scan of every path is done; a change made while
 *   the scan runs is not lost (each directory is watched before it is read).
 * - Out of inotify watches or descriptors (ENOSPC, EMFILE): the directories
 *   that cannot be watched are polled instead, with one
 *   `FileWatchFallbackError` warning per source naming the limit to raise.
 *   A path that cannot be watched otherwise (EACCES) is a `FileWatchError`
 *   warning naming it and the fix; the rest is still watched. (With
 *   chokidar, ENOSPC and EMFILE are `FileWatchError`s too.)
 * - Symbolic links are reported as entries, not followed (chokidar, where it
 *   is used, follows them); a link whose target now reads differently (a
 *   ConfigMap key after the kubelet's `..data` swap) is a FileWritten.
 *   `..`-named entries are hidden unless `reportDotDotEntries`.
 * - A path that does not exist yet is watched once it appears; a watched
 *   directory deleted is reported, the status is `reconnecting` with a
 *   `FileRootGoneError` until it comes back, and it is watched again.
 * - A full inotify queue is detected, the tree read again and every
 *   difference reported, with an `InotifyOverflowError` warning (counter
 *   `overflows`).
 * - Counters: `renames`, `tracked` (paths whose identity is remembered to
 *   pair renames: every path that exists under the watched roots) and
 *   `scanned` (entries seen by the initial scan, for progress).
 *
 * @example
 * const source = fileSource(['./config.json', './routes'], { ignored: /\.swp$/ });
 * queue.start(source);
 * await source.ready();
 * @throws OptionsError when `paths` is empty or an option is bad.
 */
export function fileSource(
  paths: string | readonly string[],
  options: FileSourceOptions = {},
): EventSource {
  const list: readonly string[] = typeof paths === 'string' ? [paths] : paths;
  if (!Array.isArray(list) || list.length === 0) {
    throw new OptionsError('paths', paths, 'a path or a non-empty array of paths');
  }
  for (const path of list) {
    if (typeof path !== 'string' || path === '') {
      throw new OptionsError('paths', path, 'non-empty path strings');
    }
  }
  const resolved = resolveFileSourceOptions(options);
  return new EventSource('file', (context) => {
    const roots = resolveWatchRoots(list, resolved.depth);
    let waiting = roots.length;
    const stops: StopRootWatcher[] = [];
    // checkpoint: what changed while not watching is reported once watching, before `ready`.
    const snapshot = snapshotCheckpoint(roots, resolved);
    if (snapshot !== null) {
      // The saved snapshot is read while the watch thread starts, not after.
      startWatchThread(resolved);
      snapshot.load();
    }
    const watched = snapshot === null ? context : snapshot.follow(context);
    let resumed = snapshot === null;
    /** Roots that went away and are not back yet, with the error the status carries. */
    const gone = new Map<string, FileRootGoneError>();
    const setStatus = (): void => {
      if (waiting > 0 || !resumed) return;
      const first = gone.values().next();
      if (first.done === true) {
        context.status({ kind: 'ready', since: resolved.scheduler.now() });
      } else {
        // Not a retry on a timer: the root is watched for. The first failure since ready.
        context.status({ kind: 'reconnecting', attempt: 1, delayMs: 0, error: first.value });
      }
    };
    const ready = (): void => {
      if (--waiting !== 0) return;
      if (snapshot === null) setStatus();
      else {
        snapshot.resume(context).then(
          () => {
            resumed = true;
            setStatus();
          },
          (err: unknown) => context.error(err as Error),
        );
      }
    };
    let fellBack = false;
    const warn = (warning: BatchwatchError): void => {
      // One polling fallback warning per source, whichever root ran out first.
      if (warning instanceof FileWatchFallbackError) {
        if (fellBack) return;
        fellBack = true;
      }
      if (warning instanceof InotifyOverflowError) context.count('overflows');
      context.warn(warning);
    };
    try {
      for (const root of roots) {
        context.log(
          'watching %s%s',
          root.dir,
          root.files !== null
            ? ` for ${[...root.files]}`
            : root.covered >= 0
              ? ` below level ${root.covered} (the enclosing root reports the rest)`
              : '',
        );
        const present = (there: boolean): void => {
          if (there === !gone.has(root.dir)) return;
          if (there) gone.delete(root.dir);
          else {
            const error = new FileRootGoneError(root.dir);
            gone.set(root.dir, error);
            context.warn(error);
          }
          setStatus();
        };
        stops.push(
          watchRoot(root, resolved, {
            context: watched,
            scheduler: resolved.scheduler,
            ready,
            warn,
            present,
            ...(snapshot === null
              ? {}
              : {
                  found: (path, stats) => snapshot.found(root, path, stats),
                  names: (dir, stats) => snapshot.names(dir, stats),
                  listed: (dir, stats, names, readAt) => snapshot.listed(dir, stats, names, readAt),
                }),
          }),
        );
      }
    } catch (err) {
      context.error(err instanceof Error ? err : new Error(String(err)));
    }
    return () => {
      snapshot?.close();
      for (const stop of stops) {
        stop().catch((err: unknown) => context.log('closing a watcher failed: %O', err));
      }
    };
  });
}
