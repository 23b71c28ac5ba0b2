import { lstatSync, type Stats } from 'node:fs';
import type { SchedulerLike } from 'rxjs';
import { DelayedPaths } from './delayed-paths.ts';
import { fileIdentity } from './file-identity.ts';
import { FileOp } from './rename-pairer.ts';
import { ATOMIC_MS, type TreeSink } from './tree-watcher.ts';
import { type WriteFinish, WriteStabilizer } from './write-stabilizer.ts';

/**
 * How long an empty file's add or change is held for its content: a write
 * that truncates first (`writeFile`) is then one change, not two.
 */
const EMPTY_HOLD_MS = 50;

/**
 * How much longer an empty file may be held: its release waits for the next
 * change's wake-up (the watch thread sends changes at most every 50 ms) rather
 * than taking a timer wake-up of its own. Unlinks are held exactly
 * {@link ATOMIC_MS}: the rename pairer's window counts on it.
 */
const EMPTY_SLACK_MS = 50;

/** An empty file's add or change, held for its content. */
interface EmptyHold {
  readonly op: FileOp;
  identity: string | undefined;
}

/**
 * What the local tree holds back before reporting a file: its unlinks
 * ({@link ATOMIC_MS}, as chokidar holds them, so that an atomic save is one
 * change and a rename's add reaches the pairer before its unlink), empty
 * files waiting for their content, and, with `awaitWriteFinish`, adds and
 * writes waiting for the size to settle. Reports to the tree's sink.
 */
export class ChangeHolds {
  readonly #sink: TreeSink;
  /** Held file unlinks, with the identity of the file. */
  readonly #unlinks: DelayedPaths<string>;
  /** Empty files whose add or change waits for content: the op to report, the file's identity. */
  readonly #empty: DelayedPaths<EmptyHold>;
  /** With `awaitWriteFinish`: adds and writes waiting for the size to settle. */
  readonly #unsettled: WriteStabilizer<FileOp> | null;
  /** The path of each held unlink, by identity. */
  readonly #heldIds = new Map<string, string>();

  constructor(
    sink: TreeSink,
    scheduler: SchedulerLike,
    awaitWriteFinish: false | WriteFinish | undefined,
  ) {
    this.#sink = sink;
    this.#unlinks = new DelayedPaths<string>(ATOMIC_MS, scheduler, (path, identity) => {
      if (this.#heldIds.get(identity) === path) this.#heldIds.delete(identity);
      sink.changed(FileOp.Unlink, path, false, identity);
    });
    // No second lstat when the time is up: were the file written, replaced or removed since, its
    // event would have taken the hold (or will report that change right after this one).
    this.#empty = new DelayedPaths<EmptyHold>(
      EMPTY_HOLD_MS,
      scheduler,
      (path, held) => {
        sink.changed(held.op, path, false, held.identity, false);
      },
      EMPTY_SLACK_MS,
    );
    this.#unsettled =
      awaitWriteFinish === undefined || awaitWriteFinish === false
        ? null
        : new WriteStabilizer<FileOp>(awaitWriteFinish, scheduler, (path, op) => {
            const stats = lstatSync(path, { throwIfNoEntry: false });
            if (stats !== undefined) sink.changed(op, path, false, fileIdentity(stats), false);
          });
  }

  /** Whether an unlink of another path with this identity is held (a rename is likely). */
  holdsUnlinkOf(identity: string | undefined): boolean {
    return this.#heldIds.has(identity ?? '');
  }

  /**
   * Reports the add or change of a file, holding an empty one for its
   * content a little (not the new name of a renamed file: the pairer waits).
   */
  file(op: FileOp, path: string, stats: Stats, renameLikely: boolean): void {
    if (this.#unsettled !== null && !renameLikely && !stats.isSymbolicLink()) {
      this.#unsettled.hold(path, op, stats.size);
      return;
    }
    const held = this.#empty.get(path);
    if (held !== undefined) {
      // Still empty (written empty again, or another empty file renamed over it): still held.
      if (stats.size === 0) {
        held.identity = fileIdentity(stats);
        return;
      }
      // The content arrived: report the held add (or change) now.
      this.#empty.take(path);
      this.#sink.changed(held.op, path, false, fileIdentity(stats), false);
      return;
    }
    if (stats.size === 0 && !renameLikely && !stats.isSymbolicLink()) {
      this.#empty.hold(path, { op, identity: fileIdentity(stats) });
      return;
    }
    this.#sink.changed(op, path, false, fileIdentity(stats), renameLikely);
  }

  /**
   * A file is gone: forgets a hold of its add, which was never reported
   * (true: nothing to report as deleted).
   */
  forgetAdd(path: string): boolean {
    if (this.#empty.take(path)?.op === FileOp.Add) return true;
    return this.#unsettled?.take(path) === FileOp.Add;
  }

  /** Holds the unlink of a file with `identity` for the atomic time. */
  holdUnlink(path: string, identity: string): void {
    this.takeUnlink(path);
    this.#heldIds.set(identity, path);
    this.#unlinks.hold(path, identity);
  }

  /** Stops holding the unlink of `path`; the identity it was held with, if it was. */
  takeUnlink(path: string): string | undefined {
    const identity = this.#unlinks.take(path);
    if (identity !== undefined && this.#heldIds.get(identity) === path) {
      this.#heldIds.delete(identity);
    }
    return identity;
  }

  close(): void {
    this.#unlinks.close();
    this.#empty.close();
    this.#unsettled?.close();
    this.#heldIds.clear();
  }
}
