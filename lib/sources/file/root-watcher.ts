import { lstatSync } from 'node:fs';
import { relative, sep } from 'node:path';
import type { SchedulerLike } from 'rxjs';
import type { BatchwatchError } from '../../errors.ts';
import { Action } from '../../events/action.ts';
import { createEvent, type Event, EventType } from '../../events/event.ts';
import type { SourceContext } from '../event-source.ts';
import { chokidarTreeWatcher } from './chokidar-tree-watcher.ts';
import type { ResolvedFileSourceOptions } from './file-source-options.ts';
import { nativeTreeWatcher } from './native-tree-watcher.ts';
import { type FileChange, type FileOp, RenamePairer } from './rename-pairer.ts';
import { ATOMIC_MS } from './tree-watcher.ts';
import { levelBelow, type WatchRoot } from './watch-roots.ts';

/** What {@link watchRoot} needs from the source. */
export interface RootWatcherHooks {
  readonly context: SourceContext;
  readonly scheduler: SchedulerLike;
  /** Called once, when the initial scan of this root is done. */
  readonly ready: () => void;
  /** Reports a warning (the source reports a polling fallback once, whatever the root). */
  readonly warn: (warning: BatchwatchError) => void;
}

/** Stops one root's watcher: cancels the rename window and closes the tree watcher. */
export type StopRootWatcher = () => Promise<void>;

/**
 * Watches one root and reports its changes as Events through `context`,
 * pairing renames. On Linux with native events the lean watcher of
 * `native-tree-watcher.ts` does it; chokidar does it when polling, with
 * `awaitWriteFinish`, for a root directory that does not exist yet, and
 * elsewhere. Watch errors become warnings; the rest is still watched.
 * Counters: `tracked` (see the pairer), `scanned` (entries the initial scan
 * has seen, for progress).
 */
export function watchRoot(
  root: WatchRoot,
  options: ResolvedFileSourceOptions,
  hooks: RootWatcherHooks,
): StopRootWatcher {
  const { context } = hooks;
  const kind = watchesNatively(root, options) ? nativeTreeWatcher : chokidarTreeWatcher;
  let tracked = 0;
  let treeTracked = 0;
  const pairing = {
    window: options.renameWindow,
    unlinkDelay: options.polling === null ? ATOMIC_MS : 0,
    scheduler: hooks.scheduler,
    remember: !kind.remembers,
  };
  const pairer = new RenamePairer(pairing, (change) => {
    const event = toEvent(root, change);
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
    found(path: string, dir: boolean, identity: string | undefined): void {
      // The initial scan: remember what exists (to pair its later renames), report it only if asked.
      if (!kind.remembers) pairer.seed(path, dir, identity);
      if (!options.ignoreInitial && path !== root.dir) {
        const time = hooks.scheduler.now();
        const event = toEvent(root, { action: Action.FileCreated, path, dir, time });
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

/** Whether the lean Linux watcher can watch this root (else chokidar does). */
function watchesNatively(root: WatchRoot, options: ResolvedFileSourceOptions): boolean {
  if (process.platform !== 'linux' || options.polling !== null) return false;
  if (options.awaitWriteFinish !== false) return false;
  const forced = process.env['CHOKIDAR_USEPOLLING'];
  if (forced !== undefined && forced !== '' && forced !== '0' && forced !== 'false') return false;
  try {
    return lstatSync(root.dir, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false;
  }
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
