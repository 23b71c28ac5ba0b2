/** The kinds of {@link LinkStatus}. */
export const LinkStatusKind = {
  /** Not subscribed yet. */
  Idle: 'idle',
  /** A try to connect (or to list, or to scan) is under way: see `attempt` on {@link LinkStatus}. */
  Connecting: 'connecting',
  /** Really watching: events from now on are delivered. */
  Ready: 'ready',
  /** A try failed; waiting `delayMs` before retry number `attempt`. */
  Reconnecting: 'reconnecting',
  /** Unsubscribed, completed, or failed for good (`error` set). */
  Closed: 'closed',
} as const;

/**
 * Where a source, a watcher, a Redis link or a daemon is in its life: one discriminated union on
 * `kind` for all of them, set in one place per object.
 *
 * `attempt` means one thing in every status of every part: **the retry number since the link was
 * last ready, the same number its `retry` policy was asked with for that delay.**
 *
 * - `connecting { attempt: 0 }`: the first try after subscribing (or starting), or after being
 *   `ready`; no policy was asked.
 * - `reconnecting { attempt: n, delayMs, error }` (n from 1): try n - 1 failed with `error`; the
 *   part waits `delayMs = retry(n)` before retry n.
 * - `connecting { attempt: n }`: retry n is under way.
 * - `ready`: the count starts again; the next failure is retry 1.
 *
 * Two failures and a recovery, from a start: `connecting 0`, `reconnecting 1 (retry(1))`,
 * `connecting 1`, `reconnecting 2 (retry(2))`, `connecting 2`, `ready`. A part whose retry is
 * scheduled elsewhere (ioredis) reports the same numbers from its events. One exception, said
 * where it applies: a JFS watcher whose connection was ready for less than 1 s does not start
 * the count again (a server that accepts and drops at once is backed off, not hammered). A file
 * source whose root went away says `reconnecting { attempt: 1, delayMs: 0 }` until the root is
 * back: it watches for it, with no timer and no policy.
 */
export type LinkStatus =
  | { readonly kind: 'idle' }
  | {
      readonly kind: 'connecting';
      /** 0 for the first try (after subscribing or after `ready`), else the retry number. */
      readonly attempt: number;
    }
  | { readonly kind: 'ready'; readonly since: number }
  | {
      readonly kind: 'reconnecting';
      /** The retry this waits for, from 1: the number the `retry` policy was asked with. */
      readonly attempt: number;
      /** What the policy answered for it, in ms. */
      readonly delayMs: number;
      readonly error: Error;
    }
  | { readonly kind: 'closed'; readonly error?: Error };
