import type { Unsubscribable } from 'rxjs';

/** How the user code answered: by returning, through a thenable, or through an Observable. */
export type SettledVia = 'return' | 'thenable' | 'observable';

/**
 * The outcome of running user code with {@link settle}. A failure's `cause`
 * is whatever was thrown, rejected or errored, as is: possibly `null`,
 * `undefined` or a revoked Proxy (describe it with `describe()`).
 */
export type Settled =
  | { readonly ok: true; readonly value: unknown; readonly via: SettledVia }
  | { readonly ok: false; readonly cause: unknown; readonly via: SettledVia };

/** Options of {@link settle}. */
export interface SettleOptions {
  /**
   * For an Observable: settle with its first value (and unsubscribe) rather
   * than when it completes; completing without a value is then a failure.
   * Default `false`.
   */
  readonly first?: boolean;
  /** Without `first`: sees each value the Observable emits before it settles. Must not throw. */
  readonly next?: (value: unknown) => void;
  /** With `first`: the message of the `TypeError` when the Observable completes without a value. */
  readonly emptyMessage?: string;
}

/**
 * Runs user code that may return nothing, a promise or thenable, or an
 * Observable, and calls `done` exactly once with the outcome, whatever the
 * code does: throws (anything, `null` included), returns a revoked Proxy, a
 * thenable whose `then()` throws or calls back twice, an object whose `then`
 * or `subscribe` getter throws, an Observable that errors and completes.
 * `done` runs synchronously when the outcome is known synchronously. `done`
 * must not throw.
 *
 * Returns what cancels the pending work, or `null` when there is nothing to
 * cancel (already settled, or a thenable, which cannot be cancelled).
 * Cancelling unsubscribes the Observable; `done` is then not called.
 *
 * @example
 * const work = settle(() => onFlush(batch), (outcome) => outcome.ok ? next() : report(outcome.cause));
 */
export function settle(
  run: () => unknown,
  done: (outcome: Settled) => void,
  options: SettleOptions = {},
): Unsubscribable | null {
  let result: unknown;
  try {
    result = run();
  } catch (cause) {
    done({ ok: false, cause, via: 'return' });
    return null;
  }
  return settleValue(result, done, options);
}

/**
 * {@link settle} for a value the user code already returned: adopts a
 * thenable or subscribes to an Observable, hardened in the same way.
 */
export function settleValue(
  value: unknown,
  done: (outcome: Settled) => void,
  options: SettleOptions = {},
): Unsubscribable | null {
  let settled = false;
  const once = (outcome: Settled): void => {
    if (settled) return;
    settled = true;
    done(outcome);
  };
  let subscribe: unknown;
  let then: unknown;
  try {
    // Read once each: a getter may answer differently, or throw, on a second read.
    subscribe = isObjectLike(value) ? (value as { subscribe?: unknown }).subscribe : undefined;
    then =
      typeof subscribe === 'function' || !isObjectLike(value)
        ? undefined
        : (value as { then?: unknown }).then;
  } catch (cause) {
    once({ ok: false, cause, via: 'return' });
    return null;
  }
  if (typeof subscribe === 'function') {
    return subscribeTo(value, subscribe, once, options, () => settled);
  }
  if (typeof then === 'function') {
    try {
      Reflect.apply(then, value, [
        (resolved: unknown) => once({ ok: true, value: resolved, via: 'thenable' }),
        (cause: unknown) => once({ ok: false, cause, via: 'thenable' }),
      ]);
    } catch (cause) {
      once({ ok: false, cause, via: 'thenable' });
    }
    return null;
  }
  once({ ok: true, value, via: 'return' });
  return null;
}

function subscribeTo(
  value: unknown,
  subscribe: unknown,
  once: (outcome: Settled) => void,
  options: SettleOptions,
  isSettled: () => boolean,
): Unsubscribable | null {
  const first = options.first === true;
  let cancelled = false;
  let subscription: unknown = null;
  const release = (): void => {
    const current = subscription;
    subscription = null;
    if (current === null) return;
    try {
      const unsubscribe = (current as { unsubscribe?: unknown }).unsubscribe;
      if (typeof unsubscribe === 'function') Reflect.apply(unsubscribe, current, []);
    } catch {
      // The user's teardown failed; the outcome is already decided and nothing waits on it.
    }
  };
  const finish = (outcome: Settled): void => {
    if (cancelled) return;
    once(outcome);
    // An Observable that settles before subscribe() returns is released once subscribe() returns.
    release();
  };
  try {
    subscription = Reflect.apply(subscribe as (...args: unknown[]) => unknown, value, [
      {
        next: (item: unknown) => {
          if (first) finish({ ok: true, value: item, via: 'observable' });
          else if (!cancelled && !isSettled()) options.next?.(item);
        },
        error: (cause: unknown) => finish({ ok: false, cause, via: 'observable' }),
        complete: () =>
          finish(
            first
              ? {
                  ok: false,
                  cause: new TypeError(
                    options.emptyMessage ?? 'the Observable completed without a value',
                  ),
                  via: 'observable',
                }
              : { ok: true, value: undefined, via: 'observable' },
          ),
      },
    ]);
  } catch (cause) {
    finish({ ok: false, cause, via: 'observable' });
  }
  if (isSettled()) {
    release();
    return null;
  }
  return {
    unsubscribe: () => {
      if (cancelled) return;
      cancelled = true;
      release();
    },
  };
}

function isObjectLike(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}
