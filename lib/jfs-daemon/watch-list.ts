import type { Observable } from 'rxjs';

/**
 * Why the registered paths should be read again: `connected` after each
 * (re)connection (proxies may not have rewritten their registry yet, so the
 * daemon only adds paths then), `changed` when a proxy announced a change.
 */
export type WatchListChange = 'connected' | 'changed';

/**
 * Where a daemon reads the node paths proxies want watched (Redis by
 * default, `RedisWatchList`). Narrow, so that the daemon's logic (catch-up
 * after a registration, release after the last one) has unit specs without
 * Redis.
 */
export interface WatchList {
  /** A signal to read the list again. */
  readonly changes$: Observable<WatchListChange>;
  /** Entries it ignored (no lease, too large). Optional. */
  readonly warnings$?: Observable<Error>;
  /** Every registered node path now. */
  read(): Promise<ReadonlySet<string>>;
  /** Stops listening. Idempotent. */
  close(): Promise<void>;
}
