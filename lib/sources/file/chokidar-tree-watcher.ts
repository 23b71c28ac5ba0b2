import type { Stats } from 'node:fs';
import { dirname } from 'node:path';
import { type ChokidarOptions, watch } from 'chokidar';
import { fileIdentity } from '../../local-watcher/file-identity.ts';
import { ignoreMatcher } from '../../local-watcher/ignore-matcher.ts';
import { FileOp } from '../../local-watcher/rename-pairer.ts';
import {
  ATOMIC_MS,
  type StartTreeWatcher,
  type TreeRoot,
  type TreeWatcherKind,
} from '../../local-watcher/tree-watcher.ts';
import { FileWatchError } from '../../local-watcher/watch-errors.ts';
import type { ResolvedFileSourceOptions } from './file-source-options.ts';

const chokidarOps: Readonly<Record<string, { op: FileOp; dir: boolean }>> = {
  add: { op: FileOp.Add, dir: false },
  addDir: { op: FileOp.Add, dir: true },
  change: { op: FileOp.Change, dir: false },
  unlink: { op: FileOp.Unlink, dir: false },
  unlinkDir: { op: FileOp.Unlink, dir: true },
};

/**
 * Watches one root with chokidar: native events on platforms other than
 * Linux (the local tree does the rest). Watch errors
 * become `FileWatchError` warnings (once per path and code); chokidar goes on
 * watching the rest.
 */
const watchTreeWithChokidar: StartTreeWatcher<ResolvedFileSourceOptions> = (
  root,
  options,
  sink,
) => {
  const watcher = watch(root.dir, chokidarOptions(root, options));
  let scanned = false;
  let seen = 0;
  watcher.on('all', (name, path, stats?: Stats) => {
    const kind = chokidarOps[name];
    if (kind === undefined) return;
    const identity = fileIdentity(stats);
    if (!scanned && kind.op === FileOp.Add) {
      sink.found(path, kind.dir, identity);
      sink.scanned(++seen);
    } else {
      sink.changed(kind.op, path, kind.dir, identity);
    }
  });
  const reported = new Set<string>();
  watcher.on('error', (error: unknown) => {
    const warning = new FileWatchError(errorPath(error) ?? root.dir, error);
    // chokidar may report the same failure again on every rescan: warn once per path and code.
    const key = `${warning.systemCode}\u0000${warning.path}`;
    if (reported.has(key)) return;
    reported.add(key);
    sink.warn(warning);
  });
  watcher.once('ready', () => {
    scanned = true;
    sink.ready();
  });
  return () => watcher.close();
};

/** chokidar: the rename pairer remembers identities. */
export const chokidarTreeWatcher: TreeWatcherKind<ResolvedFileSourceOptions> = {
  start: watchTreeWithChokidar,
  remembers: false,
};

function chokidarOptions(root: TreeRoot, options: ResolvedFileSourceOptions): ChokidarOptions {
  // Our forms of `ignored` (globs by name or relative path): chokidar takes strings as exact paths.
  const matcher = ignoreMatcher(options.ignored, root.dir);
  const ignored = (path: string, stats?: Stats): boolean =>
    matcher.byPath(path) || (stats !== undefined && matcher.byStats(path, stats));
  return {
    // Always scan: the inodes of what exists are needed to pair renames; ignoreInitial is ours.
    ignoreInitial: false,
    alwaysStat: true,
    persistent: true,
    ...(root.files === null
      ? { depth: options.depth, ignored }
      : // A single file is watched through its parent: its direct entries only. Not with depth 0:
        // chokidar then never looks inside a parent that is created after the watch starts.
        { ignored: [ignored, deeperThan(root.dir)] }),
    ...(options.polling === null
      ? { atomic: ATOMIC_MS }
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

function errorPath(error: unknown): string | undefined {
  const path = (error as { path?: unknown } | null)?.path;
  return typeof path === 'string' && path !== '' ? path : undefined;
}
