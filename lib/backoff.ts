import { OptionsError } from './errors.ts';
import { resolveDuration } from './options.ts';

/** A retry or reconnect policy: the delay in ms before try number `attempt` (from 1), or `null` to give up. */
export type RetryPolicy = (attempt: number) => number | null;

/** Options of {@link exponentialBackoff}. */
export interface ExponentialBackoffOptions {
  /** Delay before the first retry, in ms. Default 1000. */
  readonly initial?: number;
  /** Largest delay, in ms. Default 30000. */
  readonly max?: number;
  /** Growth per attempt. Default 2. */
  readonly factor?: number;
  /**
   * Spread, from 0 to 1: each delay is drawn uniformly from
   * `[delay * (1 - jitter), delay]`, so that many clients do not retry in
   * step. Default 0.2.
   */
  readonly jitter?: number;
  /** Source of randomness in [0, 1). Default `Math.random`. */
  readonly random?: () => number;
}

/**
 * Capped exponential backoff with jitter: `initial * factor^(attempt-1)`, at
 * most `max`, less up to `jitter` of itself. Never gives up.
 *
 * @example exponentialBackoff({ initial: 100, max: 5000 })(3) // 320..400
 */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): RetryPolicy {
  const initial = options.initial ?? 1000;
  const max = options.max ?? 30_000;
  const factor = options.factor ?? 2;
  const jitter = options.jitter ?? 0.2;
  const random = options.random ?? Math.random;
  resolveDuration('initial', initial);
  resolveDuration('max', max, { min: initial });
  if (!(Number.isFinite(factor) && factor >= 1)) {
    throw new OptionsError('factor', factor, 'a finite number >= 1');
  }
  if (!(jitter >= 0 && jitter <= 1))
    throw new OptionsError('jitter', jitter, 'a number from 0 to 1');
  return (attempt) => {
    const base = Math.min(max, initial * factor ** Math.max(0, attempt - 1));
    return base - base * jitter * random();
  };
}
