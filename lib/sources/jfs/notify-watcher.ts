import type { Observable } from 'rxjs';
import type { JfsError } from '../../errors.ts';
import type { JfsEvent } from '../../jfs-protocol/jfs-message.ts';
import type { SourceStatus } from '../event-source.ts';

/**
 * Where a watcher is: `connecting` (the first dial, `attempt` 0, or retry
 * number `attempt`), `ready` (connected and every watch sent), `reconnecting`
 * (waiting `delayMs` before retry number `attempt`), `closed` (by `close()`,
 * or with `error` when the retry policy gave up). The same shape and numbers
 * as every `LinkStatus`.
 */
export type WatcherStatus = Exclude<SourceStatus, { readonly kind: 'idle' }>;

/**
 * The surface of Go's `jfsnotify.Watcher`, shared by the remote
 * {@link JfsWatcher} and the local (`FS_TYPE=fs`) watcher.
 */
export interface NotifyWatcher extends AsyncDisposable {
  /** Every change of a watched path. Hot; completes on close. */
  readonly events$: Observable<JfsEvent>;
  /** Non-fatal problems: a lost connection, a malformed frame, a failed local watch. Hot; completes on close. */
  readonly warnings$: Observable<JfsError>;
  /** The current status, then every change; completes on close. */
  readonly status$: Observable<WatcherStatus>;
  /** The current status. */
  readonly status: WatcherStatus;
  /**
   * Watches `path` (no duplicates). Sent at once when connected, and with
   * every later (re)connection.
   *
   * @throws FieldTooLongError for a path over 255 UTF-8 bytes (remote).
   * @throws WatcherClosedError after `close()`.
   */
  add(path: string): void;
  /** Stops watching `path`. @throws WatcherClosedError after `close()`. */
  remove(path: string): void;
  /** A copy of the watched paths, in the order they were added. */
  watchList(): string[];
  /** Stops for good and releases every socket, handle and timer. Idempotent: the same promise every time. */
  close(): Promise<void>;
}
