import type { SchedulerLike, Subscription } from 'rxjs';
import type { RetryPolicy } from './backoff.ts';
import { askRetryPolicy } from './options.ts';

/** What {@link RetryLoop.failed} decided: retry number `attempt` after `delay` ms, or give up. */
export type RetryStep =
  | { readonly retry: true; readonly attempt: number; readonly delay: number }
  | { readonly retry: false; readonly attempt: number; readonly cause?: unknown };

/** Options of a {@link RetryLoop}. */
export interface RetryLoopOptions {
  /** Delay before retry number `attempt` (from 1), or `null` to give up. User code: survived. */
  readonly policy: RetryPolicy;
  /** The option the policy came from, named in the error when it answers nonsense. */
  readonly option: string;
  /** Where the retry timer runs. */
  readonly scheduler: SchedulerLike;
  /** Retries after the first try; one more failure gives up. Default `Infinity` (the policy decides). */
  readonly maxRetries?: number;
}

/**
 * The one retry loop every reconnect and retry runs on: it counts consecutive
 * failures, asks the policy for the delay before the next try and schedules
 * that try on the injected scheduler. The caller reports status from the
 * returned {@link RetryStep} and from the number `next` is called with, which
 * are the `attempt` of `LinkStatus` (see `status.ts`): after failure n the
 * step says `reconnecting { attempt: n, delayMs: policy(n) }`, and `next(n)`
 * runs retry n (`connecting { attempt: n }`).
 *
 * ```
 *  try ─ok─► succeeded() (count back to 0)
 *   │fail
 *   ▼
 *  failed(next) ─ policy(n): ms ─► timer ─► next(n)  (at most one timer; n = failures in a row)
 *        └───── null / over maxRetries / throws ─► give up
 * ```
 */
export class RetryLoop {
  readonly #options: RetryLoopOptions;
  readonly #maxRetries: number;
  #failures = 0;
  #timer: Subscription | null = null;

  constructor(options: RetryLoopOptions) {
    this.#options = options;
    this.#maxRetries = options.maxRetries ?? Number.POSITIVE_INFINITY;
  }

  /** Consecutive failures since the last success. */
  get failures(): number {
    return this.#failures;
  }

  /** Whether a retry is scheduled. */
  get pending(): boolean {
    return this.#timer !== null;
  }

  /**
   * A try failed: counts it and, unless the loop gives up, runs `next` with the
   * retry number after the policy's delay (replacing a retry already scheduled).
   */
  failed(next: (attempt: number) => void): RetryStep {
    const attempt = ++this.#failures;
    this.cancel();
    if (attempt > this.#maxRetries) return { retry: false, attempt };
    const decision = askRetryPolicy(this.#options.policy, attempt, this.#options.option);
    if (!decision.retry) return { retry: false, attempt, cause: decision.cause };
    this.#timer = this.#options.scheduler.schedule(() => {
      this.#timer = null;
      next(attempt);
    }, decision.delay);
    return { retry: true, attempt, delay: decision.delay };
  }

  /** A try succeeded: the next failure counts from 1 again. */
  succeeded(): void {
    this.#failures = 0;
  }

  /** Cancels the scheduled retry, if any. The count stays. */
  cancel(): void {
    this.#timer?.unsubscribe();
    this.#timer = null;
  }
}
