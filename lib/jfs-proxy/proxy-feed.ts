import type { Observable } from 'rxjs';
import type { JfsEvent } from '../jfs-protocol/jfs-message.ts';
import type { GapReason } from '../jfs-protocol/notify-stream.ts';
import type { LinkStatus } from '../status.ts';

/** One thing a {@link ProxyFeed} read, in the order read. */
export type FeedChange =
  /** Events, in order, from `messages` Redis messages or entries. */
  | { readonly kind: 'events'; readonly events: readonly JfsEvent[]; readonly messages: number }
  /** Something may have been missed: every client must resync. */
  | { readonly kind: 'gap'; readonly reason: GapReason }
  /** Entries that were neither an event nor a marker. */
  | { readonly kind: 'invalid'; readonly count: number };

/**
 * Where a proxy reads node-side changes from. Redis is the default
 * (`StreamFeed`, `PubSubFeed`, `AutoFeed`); a test or another transport
 * passes its own as the proxy's `changeFeed` option (see the in-memory feed
 * of `spec/unit/jfs-proxy/`). A feed reads from its creation until closed;
 * the proxy subscribes to it as it starts.
 */
export interface ProxyFeed {
  /** What the feed reads, in order. Hot. */
  readonly changes$: Observable<FeedChange>;
  /**
   * The feed's link, replaying the current status: `connecting` (attempt 0)
   * until it is positioned and reading (`ready`), `reconnecting` (retry
   * `attempt`, in `delayMs`, after `error`) while its connection is away,
   * `closed` once closed.
   */
  readonly status$: Observable<LinkStatus>;
  /** Problems worth a warning (the feed retries by itself). Hot. */
  readonly warnings$: Observable<Error>;
  /** How far behind the newest change the feed is, in ms of the feed's own clock (0 if unknown). */
  readonly lagMs: number;
  /**
   * Stop reading ahead (a client's send queue is full: see `FeedThrottle`):
   * what was already read is still reported, nothing more is read until
   * {@link resume}. Nothing may be skipped meanwhile.
   */
  pause(): void;
  /** Read again after {@link pause}. */
  resume(): void;
  /** Stops reading and releases the link; `status$` ends with `closed`. Idempotent. */
  close(): Promise<void>;
}

/**
 * Where a proxy registers the node paths its clients watch, so that daemons
 * watch them. Redis is the default (`WatchRegistry`).
 */
export interface ProxyRegistry {
  /** A first client now watches `nodePath`. */
  add(nodePath: string): void;
  /** The last client watching `nodePath` is gone. */
  remove(nodePath: string): void;
  /** Withdraws every registration of this proxy. */
  close(): Promise<void>;
}
