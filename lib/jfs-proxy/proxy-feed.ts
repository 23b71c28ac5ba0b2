import type { JfsEvent } from '../jfs-protocol/jfs-message.ts';
import type { GapReason } from '../jfs-protocol/notify-stream.ts';

/** What a feed ({@link ProxyFeed}) reports to its proxy. */
export interface FeedHandlers {
  /** Events read, in order, from `messages` Redis messages (default: one per event). */
  events(events: JfsEvent[], messages?: number): void;
  /** Something may have been missed: every client must resync. */
  gap(reason: GapReason): void;
  /** Entries that were neither an event nor a marker. */
  invalid(count: number): void;
  /**
   * The feed is positioned and reading (`ready`), or its connection is away
   * (`reconnecting`, the next try in `delayMs`, after `error`).
   */
  status(status: 'ready' | 'reconnecting', delayMs?: number, error?: Error): void;
  /** An error worth a warning (the feed retries by itself). */
  error?(err: Error): void;
}

/**
 * Where a proxy reads node-side changes from: created with the proxy's
 * {@link FeedHandlers}, it reports events, gaps and its status through them
 * until closed. Redis is the default (`StreamFeed`, `PubSubFeed`); a test or
 * another transport passes its own through `JfsProxy.start(options, { feed })`.
 */
export interface ProxyFeed {
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
  close(): Promise<void>;
}

/** Makes the proxy's feed. */
export type ProxyFeedFactory = (handlers: FeedHandlers) => ProxyFeed;

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
