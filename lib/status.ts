/** The kinds of {@link LinkStatus}. */
export const LinkStatusKind = {
  /** Not subscribed yet. */
  Idle: 'idle',
  /** Subscribed; connecting or scanning for the first time. */
  Connecting: 'connecting',
  /** Really watching: events from now on are delivered. */
  Ready: 'ready',
  /** The connection broke; waiting `delayMs` before try number `attempt`. */
  Reconnecting: 'reconnecting',
  /** Unsubscribed, completed, or failed for good (`error` set). */
  Closed: 'closed',
} as const;

/**
 * Where a source, a watcher, a Redis link or a daemon is in its life: one discriminated union on
 * `kind` for all of them, set in one place per object.
 */
export type LinkStatus =
  | { readonly kind: 'idle' }
  | { readonly kind: 'connecting'; readonly attempt: number }
  | { readonly kind: 'ready'; readonly since: number }
  | {
      readonly kind: 'reconnecting';
      readonly attempt: number;
      readonly delayMs: number;
      readonly error: Error;
    }
  | { readonly kind: 'closed'; readonly error?: Error };
