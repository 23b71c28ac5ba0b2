import type { Observable } from 'rxjs';
import type { LinkStatus } from '../status.ts';

/**
 * One write to a {@link ChangeFeed}: a stream entry (its flat field list and
 * how many changes it carries, a marker counting as one: a burst is one entry)
 * or a pub/sub message.
 */
export type FeedRecord =
  | { readonly kind: 'append'; readonly fields: readonly string[]; readonly changes: number }
  | { readonly kind: 'publish'; readonly message: string };

/**
 * What a daemon publishes to: the stream this project's proxies read and the
 * pub/sub channel Go proxies read (Redis by default, `RedisChangeFeed`).
 * Narrow, so that the daemon's logic (backlog, gap markers, one event per
 * message) has unit specs without Redis.
 */
export interface ChangeFeed {
  /**
   * The link, replaying the current status: the daemon writes while `ready`
   * and keeps changes (bounded) otherwise.
   */
  readonly status$: Observable<LinkStatus>;
  /**
   * Writes `records` in this order, in one round trip, all or none: a change
   * is never published on the channel without its stream entry. A write cut
   * off by a lost link is sent again once it is back (it settles then); a
   * rejection (Redis refused it: out of memory...) means that none of the
   * records was written, and the caller may send them again.
   */
  write(records: readonly FeedRecord[]): Promise<void>;
  /** Releases the link. Idempotent. */
  close(): Promise<void>;
}
