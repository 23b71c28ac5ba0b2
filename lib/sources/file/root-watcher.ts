import type { Stats } from 'node:fs';
import { relative, sep } from 'node:path';
import type { SchedulerLike } from 'rxjs';
import type { BatchwatchError } from '../../errors.ts';
import { Action } from '../../events/action.ts';
import { createEvent, type Event, EventType } from '../../events/event.ts';
import { levelBelow } from '../../local-watcher/level-below.ts';
import { localTreeWatcher } from '../../local-watcher/local-tree-watcher.ts';
import { type FileChange, type FileOp, RenamePairer } from '../../local-watcher/rename-pairer.ts';
import { ATOMIC_MS } from '../../local-watcher/tree-watcher.ts';
import { watchThread } from '../../local-watcher/watch-thread.ts';
import type { SourceContext } from '../event-source.ts';
import { chokidarTreeWatcher } from './chokidar-tree-watcher.ts';
import {
  DEFAULT_FILE_SOURCE_OPTIONS,
  type ResolvedFileSourceOptions,
} from './file-source-options.ts';
import type { WatchRoot } from './watch-roots.ts';

/** What {@link watchRoot} needs from the source. */
export interface RootWatcherHooks {
  readonly context: SourceContext;
  readonly scheduler: SchedulerLike;
  /** Called once, when the initial scan of this root is done. */
  readonly ready: () => void;
  /** Reports a warning (the source reports a polling fallback once, whatever the root). */
  readonly warn: (warning: BatchwatchError) => void;
  /** The root went away (`false`) or came back (`true`). */
  readonly present: (present: boolean) => void;
  /**
   * Each entry the initial scan found (the root's own directory included),
   * with the stats the watcher read (none from a watcher that reads none):
   * the checkpoint's picture of the tree, without a second walk.
   */
  readonly found?: (path: string, stats: Stats | undefined) => void;
  /** Names a directory's initial scan may take instead of reading it (see `TreeSink.names`). */
  readonly names?: (dir: string, stats: Stats) => readonly string[] | undefined;
  /** A directory the initial scan read (see `TreeSink.listed`). */
  readonly listed?: (dir: string, stats: Stats, names: number, readAt: number) => void;
}

/** Stops one root's watcher: cancels the rename window and closes the tree watcher. */
export type StopRootWatcher = () => Promise<void>;

/**
 * Watches one root and reports its changes as Events through `context`,
 * pairing renames. The local tree of `local-tree-watcher.ts` does it when
 * polling and, on Linux, with native events; chokidar does it with native
 * events on other systems. Watch errors
 * become warnings; the rest is still watched.
 * Counters: `tracked` (see the pairer), `scanned` (entries the initial scan
 * has seen, for progress).
 */
export function watchRoot(
  root: WatchRoot,
  options: ResolvedFileSourceOptions,
  hooks: RootWatcherHooks,
): StopRootWatcher {
  const { context } = hooks;
  options = withPollingFromEnvironment(options);
  const kind = usesLocalTree(options) ? localTreeWatcher : chokidarTreeWatcher;
  let tracked = 0;
  let treeTracked = 0;
  const pairing = {
    window: options.renameWindow,
    // The local tree holds unlinks ATOMIC_MS in both modes; chokidar only with native events.
    unlinkDelay: kind === localTreeWatcher || options.polling === null ? ATOMIC_MS : 0,
    scheduler: hooks.scheduler,
    remember: !kind.remembers,
  };
  const hide = !options.reportDotDotEntries;
  const pairer = new RenamePairer(pairing, (change) => {
    const event = toEvent(root, change, hide);
    if (event === null) return;
    if (event.action === Action.FileRenamed) context.count('renames');
    context.next(event);
  });
  const track = (): void => {
    const now = pairer.tracked + treeTracked;
    context.count('tracked', now - tracked);
    tracked = now;
  };
  let scanned = 0;
  const sink = {
    found(path: string, dir: boolean, identity: string | undefined, stats?: Stats): void {
      hooks.found?.(path, stats);
      // The initial scan: remember what exists (to pair its later renames), report it only if asked.
      if (!kind.remembers) pairer.seed(path, dir, identity);
      if (!options.ignoreInitial && path !== root.dir) {
        const time = hooks.scheduler.now();
        const event = toEvent(root, { action: Action.FileCreated, path, dir, time }, hide);
        if (event !== null) context.next(event);
      }
      if (!kind.remembers) track();
    },
    changed(
      op: FileOp,
      path: string,
      dir: boolean,
      identity: string | undefined,
      renameLikely?: boolean,
    ): void {
      const time = hooks.scheduler.now();
      pairer.observe({
        op,
        path,
        dir,
        identity,
        time,
        ...(renameLikely === undefined ? {} : { renameLikely }),
      });
      track();
    },
    tracked(count: number): void {
      treeTracked = count;
      track();
    },
    scanned(count: number): void {
      context.count('scanned', count - scanned);
      scanned = count;
    },
    warn: hooks.warn,
    ready: hooks.ready,
    present: hooks.present,
    ...(hooks.names === undefined ? {} : { names: hooks.names }),
    ...(hooks.listed === undefined ? {} : { listed: hooks.listed }),
  };
  const stop = kind.start(root, options, sink, hooks.scheduler);
  track();
  return async () => {
    pairer.close();
    treeTracked = 0;
    track();
    await stop();
  };
}

/**
 * Starts the process's watch thread now when the roots will be watched
 * natively (it takes a moment to start: work done meanwhile is free).
 */
export function startWatchThread(options: ResolvedFileSourceOptions): void {
  if (withPollingFromEnvironment(options).polling === null) watchThread();
}

/**
 * `CHOKIDAR_USEPOLLING` overrides `polling`, as it does for chokidar users:
 * set (not `0` or `false`), it polls at the given interval or 100 ms; `0`
 * or `false` watches natively.
 */
function withPollingFromEnvironment(options: ResolvedFileSourceOptions): ResolvedFileSourceOptions {
  const forced = process.env['CHOKIDAR_USEPOLLING'];
  if (forced === undefined || forced === '') return options;
  const off = forced === '0' || forced.toLowerCase() === 'false';
  if (off === (options.polling === null)) return options;
  const polling = off ? null : DEFAULT_FILE_SOURCE_OPTIONS.pollingInterval;
  return Object.freeze({ ...options, polling });
}

/** Whether the local tree watches this root (else chokidar does: native events off Linux). */
function usesLocalTree(options: ResolvedFileSourceOptions): boolean {
  return options.polling !== null || process.platform === 'linux';
}

/**
 * The Event for a change, or `null` when the change is not this root's to
 * report: for single files, a change that does not concern them (a watched
 * path that is a directory concerns everything in it); for a directory
 * inside another root, a change at a level that root reports; with `hide`,
 * a change to a `..`-named entry or anything below one (the kubelet's
 * `..data` and `..<timestamp>`), unless it is a watched single file.
 * What is renamed onto a reported path from an unreported one is reported as
 * its creation (the old name was never reported). A rename out of a nested
 * directory's own levels into those of the enclosing root is a delete here
 * (the enclosing root reports the creation); a watched single file renamed
 * away stays a rename.
 */
function toEvent(root: WatchRoot, change: FileChange, hide: boolean): Event | null {
  let { action, path, oldPath } = change;
  if (root.files !== null || root.covered >= 0 || (hide && hasDotDotPart(root, change))) {
    const isReported = reports(root, path, hide);
    const wasReported = oldPath !== undefined && reports(root, oldPath, hide);
    if (!isReported && !wasReported) return null;
    if (action === Action.FileRenamed && !wasReported) {
      action = Action.FileCreated;
      oldPath = undefined;
    } else if (action === Action.FileRenamed && !isReported && root.files === null) {
      action = Action.FileDeleted;
      path = oldPath ?? path;
      oldPath = undefined;
    }
  }
  const attributes: Record<string, string> = {
    path,
    root: root.dir,
    kind: change.dir ? 'directory' : 'file',
  };
  if (oldPath !== undefined) attributes['oldPath'] = oldPath;
  return createEvent({
    type: EventType.File,
    actorName: relativeName(root.dir, path),
    actorId: path,
    actorAttributes: Object.freeze(attributes),
    action,
    time: change.time,
    ...(oldPath === undefined ? {} : { oldName: relativeName(root.dir, oldPath) }),
  });
}

/** Whether `root` reports changes to `path` (and not another root; see {@link WatchRoot}). */
function reports(root: WatchRoot, path: string, hide: boolean): boolean {
  if (root.files !== null) {
    if (root.files.has(path)) return true;
    for (const file of root.files) {
      if (path.startsWith(file) && path[file.length] === sep) {
        return !hide || !isDotDotName(path.slice(file.length + 1));
      }
    }
    return false;
  }
  if (hide && isDotDotName(relativeName(root.dir, path))) return false;
  const level = levelBelow(root.dir, path);
  return level === null || level > root.covered;
}

/** Whether the change's path (or old path) below the root has a `..`-named part. */
function hasDotDotPart(root: WatchRoot, change: FileChange): boolean {
  return (
    isDotDotName(relativeName(root.dir, change.path)) ||
    (change.oldPath !== undefined && isDotDotName(relativeName(root.dir, change.oldPath)))
  );
}

/** Whether a relative name has a part starting with `..` (`..data`, `..2024_01_01/config.yaml`). */
function isDotDotName(name: string): boolean {
  return name.startsWith('..') || name.includes(`${sep}..`);
}

/** The path relative to the root, `.` for the root itself (an empty name would mean "no actor"). */
function relativeName(dir: string, path: string): string {
  // chokidar's paths start with the root as given: skip path.relative's resolving on the hot path.
  if (path.length > dir.length + 1 && path.startsWith(dir) && path[dir.length] === sep) {
    return path.slice(dir.length + 1);
  }
  return relative(dir, path) || '.';
}
