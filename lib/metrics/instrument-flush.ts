import createDebug from 'debug';
import type { Subscribable } from 'rxjs';
import { Observable } from 'rxjs/internal/Observable';
import { describe } from '../describe.ts';
import { OptionsError } from '../errors.ts';
import type { Event } from '../events/event.ts';
import type { FlushHandler } from '../queue/event-queue-options.ts';
import { type Settled, settleValue } from '../settle.ts';
import { defineMetrics, type MetricsHandle } from './define-metrics.ts';
import { type MetricsOptions, resolveBuckets, resolveMetricsOptions } from './metrics-options.ts';

const log = createDebug('batchwatch:metrics');

/** Options of {@link instrumentFlush}. */
export interface FlushMetricsOptions extends MetricsOptions {
  /**
   * Upper bounds of the flush duration histogram, in seconds. Default
   * `[0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]`.
   */
  readonly buckets?: readonly number[];
  /** The clock, in ms; only differences are used. Default `performance.now`. */
  readonly now?: () => number;
}

/** An `onFlush` that times the handler it wraps; `unregister()` removes its histogram. */
export type InstrumentedFlush = FlushHandler & MetricsHandle;

/** The default {@link FlushMetricsOptions.buckets}. */
export const defaultFlushDurationBuckets: readonly number[] = Object.freeze([
  0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
]);

/**
 * Wraps an `onFlush` handler to time every call: the histogram
 * `batchwatch_queue_flush_duration_seconds{outcome="success"|"failure"}`
 * measures from the call to the return, the promise settling or the
 * Observable ending, once per try (a retried batch is timed once per try).
 * Results and errors pass through unchanged; a try the queue abandons (an
 * Observable unsubscribed by `stop()`) is not recorded. Pair it with
 * {@link queueMetrics} on the same registry and labels.
 *
 * @throws OptionsError for bad options; MetricsConflictError when the registry
 *   already holds this series.
 * @example
 * const queue = new EventQueue({ onFlush: instrumentFlush(reload, { registry }) });
 * queueMetrics(queue, { registry });
 */
export function instrumentFlush(
  onFlush: FlushHandler,
  options: FlushMetricsOptions = {},
): InstrumentedFlush {
  if (typeof onFlush !== 'function') {
    throw new OptionsError('onFlush', onFlush, 'a function (batch) => void | Promise');
  }
  const resolved = resolveMetricsOptions(options, ['buckets', 'now']);
  const buckets = resolveBuckets('buckets', options.buckets, defaultFlushDurationBuckets);
  const now = options.now ?? (() => performance.now());
  if (typeof now !== 'function') throw new OptionsError('now', now, 'a function () => ms');

  let record: (labels: { outcome: string }, seconds: number) => void = () => {};
  const handle = defineMetrics(resolved, resolved.labels, (set) => {
    record = set.histogram(
      'queue_flush_duration_seconds',
      'Time onFlush took per try, until it returned, its promise settled or its Observable ended.',
      buckets,
      [{ outcome: 'success' }, { outcome: 'failure' }],
    );
  });
  // The clock is user code too: a failing one costs the observation, never the flush.
  const clock = (): number | null => {
    try {
      const value = now();
      return typeof value === 'number' && Number.isFinite(value) ? value : null;
    } catch (err) {
      log('now() threw %s: flush not timed', describe(err));
      return null;
    }
  };
  const observe = (ok: boolean, started: number | null): void => {
    const ended = clock();
    if (started === null || ended === null) return;
    record({ outcome: ok ? 'success' : 'failure' }, (ended - started) / 1000);
  };

  const timed = (batch: readonly Event[]): ReturnType<FlushHandler> => {
    const started = clock();
    let result: ReturnType<FlushHandler>;
    try {
      result = onFlush(batch);
    } catch (err) {
      observe(false, started);
      throw err;
    }
    // Hand the queue the same kind of result (an Observable stays cancellable, a thenable does
    // not), settled by settle() so that a hostile result is recorded as a failure, not a crash.
    if (isObservableResult(result)) {
      return new Observable((subscriber) => {
        const work = settleValue(
          result,
          (outcome) => {
            observe(outcome.ok, started);
            if (outcome.ok) subscriber.complete();
            else subscriber.error(outcome.cause);
          },
          { next: (value) => subscriber.next(value) },
        );
        return () => work?.unsubscribe();
      });
    }
    const state: { sync: Settled | null; answer: ((outcome: Settled) => void) | null } = {
      sync: null,
      answer: null,
    };
    settleValue(result, (outcome) => {
      observe(outcome.ok, started);
      if (state.answer === null) state.sync = outcome;
      else state.answer(outcome);
    });
    const known = state.sync;
    if (known !== null) {
      if (!known.ok) return Promise.reject(known.cause);
      return known.via === 'return' ? result : Promise.resolve(known.value);
    }
    return new Promise<unknown>((resolve, reject) => {
      state.answer = (outcome) => (outcome.ok ? resolve(outcome.value) : reject(outcome.cause));
    });
  };
  return Object.assign(timed, {
    unregister: handle.unregister,
    [Symbol.dispose]: handle.unregister,
  });
}

/** Whether the queue would treat `value` as an Observable; a throwing getter makes it a thenable-or-value. */
function isObservableResult(value: unknown): boolean {
  try {
    return typeof (value as Subscribable<unknown> | null)?.subscribe === 'function';
  } catch {
    return false;
  }
}
