import type { GapReason } from '../jfs-protocol/notify-stream.ts';
import type { LinkStatus } from '../status.ts';

/** Counters of a {@link JfsProxy}. */
export interface JfsProxyStats {
  /** Open client connections. */
  readonly connections: number;
  /** Client connections accepted, ever. */
  readonly connectionsTotal: number;
  readonly framesIn: number;
  readonly framesOut: number;
  /** Events sent to clients. */
  readonly eventsDelivered: number;
  /** Writes merged into a later write by the debounce. */
  readonly debounced: number;
  /** Clients disconnected for falling behind. */
  readonly droppedClients: number;
  /** Paths of WATCHes refused by `maxWatchesPerConnection` or `maxWatchedPaths`. */
  readonly refusedWatches: number;
  readonly malformedFrames: number;
  /** Messages received from Redis, and their entries that were not valid events. */
  readonly redisMessages: number;
  readonly invalidNotifyEntries: number;
  /** Node paths watched by at least one client. */
  readonly watchedPaths: number;
  /** Gaps that could not be proven empty, by reason; each disconnected every client. */
  readonly resyncs: Readonly<Record<GapReason, number>>;
  /**
   * How far behind the stream's newest entry the feed is, in ms, from Redis's
   * clock alone (entry ids); 0 when caught up, and with `feed: 'pubsub'`.
   */
  readonly streamLagMs: number;
  /** Times the feed stopped reading ahead because a client's send queue was full (see `FeedThrottle`). */
  readonly feedPauses: number;
  /** The most bytes one client's send queue has held (bounded by `maxQueuedBytes` plus one read). */
  readonly peakQueuedBytes: number;
}

/** The proxy's link to Redis: the shared {@link LinkStatus} (its feed connection). */
export type RedisLinkStatus = LinkStatus;
