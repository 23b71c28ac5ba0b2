import type { SchedulerLike } from 'rxjs';
import type { BatchwatchError } from '../../errors.ts';
import type { ResolvedFileSourceOptions } from './file-source-options.ts';
import type { FileOp } from './rename-pairer.ts';
import type { WatchRoot } from './watch-roots.ts';

/** Where a tree watcher reports what it finds and sees. */
export interface TreeSink {
  /**
   * An entry found by the initial scan (the root directory included). A
   * watcher that remembers identities itself (`remembers`) passes none.
   */
  found(path: string, dir: boolean, identity: string | undefined): void;
  /**
   * A change seen after the directory holding `path` was scanned. A watcher
   * that `remembers` passes the identity on unlinks too, and on adds whether
   * it holds the unlink of another path with that identity.
   */
  changed(
    op: FileOp,
    path: string,
    dir: boolean,
    identity: string | undefined,
    renameLikely?: boolean,
  ): void;
  /** How many entries a watcher that `remembers` knows now. */
  tracked(count: number): void;
  /** How many entries the initial scan has seen so far (progress). */
  scanned(count: number): void;
  /** A path that cannot be watched, or watched only by polling. */
  warn(warning: BatchwatchError): void;
  /** Called once, when the initial scan is done (or, for a root not there yet, when watching for it). */
  ready(): void;
  /** The root went away (`false`; its entries and itself reported deleted) or came back (`true`). */
  present(present: boolean): void;
}

/** Stops a tree watcher: closes every handle and timer it holds. */
export type StopTreeWatcher = () => Promise<void>;

/** A way of watching a tree, and whether it remembers every entry's identity itself. */
export interface TreeWatcherKind {
  readonly start: StartTreeWatcher;
  /** Passes identities on unlinks (else the rename pairer must remember every path's). */
  readonly remembers: boolean;
}

/** Starts watching one root's tree; unlinks come after the adds they may pair with. */
export type StartTreeWatcher = (
  root: WatchRoot,
  options: ResolvedFileSourceOptions,
  sink: TreeSink,
  scheduler: SchedulerLike,
) => StopTreeWatcher;

/**
 * How long an unlink of a file is held to spot an atomic save (an unlink
 * and an add of one path within it are one change): chokidar's `atomic`
 * time, which the native watcher copies. The rename pairing waits for it.
 */
export const ATOMIC_MS = 100;
