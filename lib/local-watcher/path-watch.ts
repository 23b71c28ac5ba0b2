import { type Stats, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SchedulerLike } from 'rxjs';
import { asyncScheduler } from 'rxjs/internal/scheduler/async';
import type { BatchwatchError } from '../errors.ts';
import { localTreeWatcher } from './local-tree-watcher.ts';
import { type FileChange, RenamePairer } from './rename-pairer.ts';
import { ATOMIC_MS, type TreeRoot, type TreeSink } from './tree-watcher.ts';

/** What one {@link watchPath} reports. */
export interface PathWatchHandlers {
  /** Each entry the initial scan finds, with its stats (for a catch-up since a time). */
  readonly found?: (path: string, stats: Stats) => void;
  /** Each change after the scan, renames paired (or not: see `renameWindow`). */
  readonly changed: (change: FileChange) => void;
  /** An entry's mode changed, and nothing else. */
  readonly attributes?: (path: string) => void;
  /** A path that cannot be watched, a polling fallback, a full inotify queue. */
  readonly warn: (warning: BatchwatchError) => void;
  /** The watch is active and the initial scan done. */
  readonly ready: () => void;
}

/** How {@link watchPath} watches. */
export interface PathWatchOptions {
  /** How long an unlink waits for the add of its file to be one rename, in ms; 0: no pairing. */
  readonly renameWindow: number;
  /** Polling interval in ms, or `null` for native events (the default). */
  readonly polling?: number | null;
  /** Report entries created and removed before they could be read (see `TreeOptions.transient`). */
  readonly transient?: boolean;
  readonly scheduler?: SchedulerLike;
}

/**
 * Watches one path non-recursively, as inotify and Go's fsnotify do: a
 * directory's own entries (a directory's changes, not its own), or a single
 * file through its parent; one local tree (see `local-tree-watcher.ts`),
 * so the watch has the tree's guarantees: a full kernel queue is read again,
 * a path that does not exist yet is watched once it appears. The daemon's
 * node paths and the `FS_TYPE=fs` watcher both watch through it. Returns
 * the function that stops watching.
 */
export function watchPath(
  path: string,
  options: PathWatchOptions,
  handlers: PathWatchHandlers,
): () => Promise<void> {
  const scheduler = options.scheduler ?? asyncScheduler;
  const isFile = statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
  const root: TreeRoot = isFile
    ? { dir: dirname(path), files: new Set([path]) }
    : { dir: path, files: null };
  // A directory's changes, not its own; a single file's own only.
  const concerns = isFile
    ? (changed: string): boolean => changed === path
    : (changed: string): boolean => changed !== path;
  const pairer = new RenamePairer(
    {
      window: options.renameWindow,
      unlinkDelay: ATOMIC_MS,
      scheduler,
      // The tree remembers identities and passes them on unlinks.
      remember: false,
    },
    (change) => {
      if (concerns(change.path) || (change.oldPath !== undefined && concerns(change.oldPath))) {
        handlers.changed(change);
      }
    },
  );
  let scanned = false;
  const sink: TreeSink = {
    found(found, _dir, _identity, stats) {
      if (concerns(found) && stats !== undefined) handlers.found?.(found, stats);
    },
    changed(op, changed, dir, identity, renameLikely) {
      pairer.observe({
        op,
        path: changed,
        dir,
        identity,
        time: scheduler.now(),
        ...(renameLikely === undefined ? {} : { renameLikely }),
      });
    },
    attributes(changed) {
      if (scanned && concerns(changed)) handlers.attributes?.(changed);
    },
    tracked() {},
    scanned() {},
    warn: handlers.warn,
    ready() {
      scanned = true;
      handlers.ready();
    },
    present() {},
  };
  const stop = localTreeWatcher.start(
    root,
    {
      ignored: [],
      depth: 0,
      polling: options.polling ?? null,
      transient: options.transient ?? false,
    },
    sink,
    scheduler,
  );
  return async () => {
    pairer.close();
    await stop();
  };
}
