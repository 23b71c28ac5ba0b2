import type { Observable } from 'rxjs';
import type { JfsEvent } from '../jfs-protocol/jfs-message.ts';

/**
 * What a daemon watches node paths with (`NodeWatcher` by default: chokidar,
 * non-recursive, fsnotify's ops). Narrow, so that the daemon's logic has unit
 * specs without a file system.
 */
export interface PathWatcher {
  /** Every change, `key` the parent directory of `name`. */
  readonly events$: Observable<JfsEvent>;
  /** Failed watches (the others go on). */
  readonly warnings$: Observable<Error>;
  /** The node paths watched now. */
  watchList(): string[];
  /**
   * Watches `path` (no-op if watched); resolves once the watch is active and
   * what was created or written since `since` (ms since the epoch) is
   * reported. Never rejects.
   */
  add(path: string, since?: number): Promise<void>;
  /** Stops watching `path`. */
  remove(path: string): void;
  /** Stops every watch and completes the streams. */
  close(): Promise<void>;
}
