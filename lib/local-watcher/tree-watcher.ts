import type { Stats } from 'node:fs';
import type { SchedulerLike } from 'rxjs';
import type { BatchwatchError } from '../errors.ts';
import type { FileMatcher } from './ignore-matcher.ts';
import type { FileOp } from './rename-pairer.ts';
import type { WriteFinish } from './write-stabilizer.ts';

/** One directory a tree watcher watches. */
export interface TreeRoot {
  /** Absolute path of the directory; event names are relative to it. */
  readonly dir: string;
  /**
   * The single files watched through this directory (absolute paths): only
   * changes to them are reported. `null` when the whole tree is watched.
   */
  readonly files: ReadonlySet<string> | null;
}

/** What a tree watcher needs to know, validated (the file source's resolved options have it). */
export interface TreeOptions {
  /** Paths not to watch (see {@link FileMatcher}). */
  readonly ignored: readonly FileMatcher[];
  /** Levels below the root that are watched (0: its entries only); `Infinity`: all. */
  readonly depth: number;
  /** Polling interval in ms, or `null` for native events. */
  readonly polling: number | null;
  /** Hold adds and writes until the size has settled (`false`: report them at once). Default `false`. */
  readonly awaitWriteFinish?: false | WriteFinish;
  /**
   * Report an entry that an event named but that was gone when looked at
   * (created and removed before the event was read) as an add then an
   * unlink, instead of nothing (the native local tree only; the daemon's
   * choice, as fsnotify reports every event). Default `false`.
   */
  readonly transient?: boolean;
}

/** Where a tree watcher reports what it finds and sees. */
export interface TreeSink {
  /**
   * An entry found by the initial scan (the root directory included). A
   * watcher that remembers identities itself (`remembers`) passes none.
   */
  found(path: string, dir: boolean, identity: string | undefined, stats?: Stats): void;
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
  /**
   * The initial scan is about to read directory `dir`, now watched, whose
   * `stats` were just read: names known to be all of its own, to take
   * instead of reading it (the local tree only).
   */
  names?(dir: string, stats: Stats): readonly string[] | undefined;
  /**
   * The initial scan read directory `dir` (`names` names), whose `stats` were
   * read once it was watched; `readAt`: the time (`Date.now()`) before that.
   */
  listed?(dir: string, stats: Stats, names: number, readAt: number): void;
  /** An entry's mode changed, and nothing else (the local tree only). */
  attributes?(path: string, dir: boolean): void;
}

/** Stops a tree watcher: closes every handle and timer it holds. */
export type StopTreeWatcher = () => Promise<void>;

/** A way of watching a tree, and whether it remembers every entry's identity itself. */
export interface TreeWatcherKind<O extends TreeOptions = TreeOptions> {
  readonly start: StartTreeWatcher<O>;
  /** Passes identities on unlinks (else the rename pairer must remember every path's). */
  readonly remembers: boolean;
}

/** Starts watching one root's tree; unlinks come after the adds they may pair with. */
export type StartTreeWatcher<O extends TreeOptions = TreeOptions> = (
  root: TreeRoot,
  options: O,
  sink: TreeSink,
  scheduler: SchedulerLike,
) => StopTreeWatcher;

/**
 * How long an unlink of a file is held to spot an atomic save (an unlink
 * and an add of one path within it are one change): chokidar's `atomic`
 * time, which the native watcher copies. The rename pairing waits for it.
 */
export const ATOMIC_MS = 100;
