import type { Stats } from 'node:fs';
import { dirname, relative, sep } from 'node:path';
import { type ChokidarOptions, watch } from 'chokidar';
import type { SchedulerLike } from 'rxjs';
import { FileWatchError } from '../../errors.ts';
import { Action } from '../../events/action.ts';
import { createEvent, type Event, EventType } from '../../events/event.ts';
import type { SourceContext } from '../event-source.ts';
import { fileIdentity } from './file-identity.ts';
import type { ResolvedFileSourceOptions } from './file-source-options.ts';
import { type FileChange, FileOp, RenamePairer } from './rename-pairer.ts';
import { levelBelow, type WatchRoot } from './watch-roots.ts';

/** What {@link watchRoot} needs from the source. */
export interface RootWatcherHooks {
  readonly context: SourceContext;
  readonly scheduler: SchedulerLike;
  /** Called once, when the initial scan of this root is done. */
  readonly ready: () => void;
}

/** Stops one root's watcher: cancels the rename window and closes chokidar. */
export type StopRootWatcher = () => Promise<void>;

/**
 * chokidar's `atomic` time with native events: an unlink and an add of one
 * path within it are one change (an atomic save), so chokidar holds every
 * unlink this long. Set explicitly because the rename pairing waits for it.
 */
const atomicMs = 100;

const chokidarOps: Readonly<Record<string, { op: FileOp; dir: boolean }>> = {
  add: { op: FileOp.Add, dir: false },
  addDir: { op: FileOp.Add, dir: true },
  change: { op: FileOp.Change, dir: false },
  unlink: { op: FileOp.Unlink, dir: false },
  unlinkDir: { op: FileOp.Unlink, dir: true },
};

/**
 * Watches one root with chokidar and reports its changes as Events through
 * `context`, pairing renames. Watch errors become `FileWatchError` warnings;
 * chokidar goes on watching the rest.
 */
export function watchRoot(
  root: WatchRoot,
  options: ResolvedFileSourceOptions,
  hooks: RootWatcherHooks,
): StopRootWatcher {
  const { context } = hooks;
  let tracked = 0;
  const pairing = {
    window: options.renameWindow,
    unlinkDelay: options.polling === null ? atomicMs : 0,
    scheduler: hooks.scheduler,
  };
  const pairer = new RenamePairer(pairing, (change) => {
    const event = toEvent(root, change);
    if (event === null) return;
    if (event.action === Action.FileRenamed) context.count('renames');
    context.next(event);
  });
  const track = (): void => {
    context.count('tracked', pairer.tracked - tracked);
    tracked = pairer.tracked;
  };
  const watcher = watch(root.dir, chokidarOptions(root, options));
  let scanned = false;
  watcher.on('all', (name, path, stats?: Stats) => {
    const kind = chokidarOps[name];
    if (kind === undefined) return;
    const identity = fileIdentity(stats);
    if (!scanned && kind.op === FileOp.Add) {
      // The initial scan: remember what exists (to pair its later renames), report it only if asked.
      pairer.seed(path, kind.dir, identity);
      if (!options.ignoreInitial && path !== root.dir) {
        const event = toEvent(root, {
          action: Action.FileCreated,
          path,
          dir: kind.dir,
          time: hooks.scheduler.now(),
        });
        if (event !== null) context.next(event);
      }
    } else {
      pairer.observe({ ...kind, path, identity, time: hooks.scheduler.now() });
    }
    track();
  });
  const reported = new Set<string>();
  watcher.on('error', (error: unknown) => {
    const warning = new FileWatchError(errorPath(error) ?? root.dir, error);
    // chokidar may report the same failure again on every rescan: warn once per path and code.
    const key = `${warning.systemCode}\u0000${warning.path}`;
    if (reported.has(key)) return;
    reported.add(key);
    context.warn(warning);
  });
  watcher.once('ready', () => {
    scanned = true;
    hooks.ready();
  });
  return async () => {
    pairer.close();
    track();
    await watcher.close();
  };
}

function chokidarOptions(root: WatchRoot, options: ResolvedFileSourceOptions): ChokidarOptions {
  return {
    // Always scan: the inodes of what exists are needed to pair renames; ignoreInitial is ours.
    ignoreInitial: false,
    alwaysStat: true,
    persistent: true,
    ...(root.files === null
      ? { depth: options.depth, ignored: [...options.ignored] }
      : // A single file is watched through its parent: its direct entries only. Not with depth 0:
        // chokidar then never looks inside a parent that is created after the watch starts.
        { ignored: [...options.ignored, deeperThan(root.dir)] }),
    ...(options.polling === null
      ? { atomic: atomicMs }
      : {
          backend: 'polling',
          pollingInterval: options.polling,
          pollingBinaryInterval: options.polling,
        }),
    awaitWriteFinish: options.awaitWriteFinish === false ? false : { ...options.awaitWriteFinish },
  };
}

/** Matches every path below the direct entries of `dir` (chokidar never ignores `dir`'s ancestors). */
function deeperThan(dir: string): (path: string) => boolean {
  return (path) => path !== dir && dirname(path) !== dir;
}

/**
 * The Event for a change, or `null` when the change is not this root's to
 * report: for single files, a change that does not concern them; for a
 * directory inside another root, a change at a level that root reports.
 * What is renamed onto a reported path from an unreported one is reported as
 * its creation (the old name was never reported). A rename out of a nested
 * directory's own levels into those of the enclosing root is a delete here
 * (the enclosing root reports the creation); a watched single file renamed
 * away stays a rename.
 */
function toEvent(root: WatchRoot, change: FileChange): Event | null {
  let { action, path, oldPath } = change;
  if (root.files !== null || root.covered >= 0) {
    const isReported = reports(root, path);
    const wasReported = oldPath !== undefined && reports(root, oldPath);
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
function reports(root: WatchRoot, path: string): boolean {
  if (root.files !== null) return root.files.has(path);
  const level = levelBelow(root.dir, path);
  return level === null || level > root.covered;
}

/** The path relative to the root, `.` for the root itself (an empty name would mean "no actor"). */
function relativeName(dir: string, path: string): string {
  // chokidar's paths start with the root as given: skip path.relative's resolving on the hot path.
  if (path.length > dir.length + 1 && path.startsWith(dir) && path[dir.length] === sep) {
    return path.slice(dir.length + 1);
  }
  return relative(dir, path) || '.';
}

function errorPath(error: unknown): string | undefined {
  const path = (error as { path?: unknown } | null)?.path;
  return typeof path === 'string' && path !== '' ? path : undefined;
}
