import { Observable, type Subscribable, type Unsubscribable } from 'rxjs';
import { OptionsError } from '../errors.ts';
import type { Event } from '../events/event.ts';
import type { FlushHandler } from '../queue/event-queue-options.ts';
import { defineMetrics, type MetricsHandle } from './define-metrics.ts';
import { type MetricsOptions, resolveBuckets, resolveMetricsOptions } from './metrics-options.ts';

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

  let observe: (ok: boolean, started: number) => void = () => {};
  const handle = defineMetrics(resolved, resolved.labels, (set) => {
    const record = set.histogram(
      'queue_flush_duration_seconds',
      'Time onFlush took per try, until it returned, its promise settled or its Observable ended.',
      buckets,
      [{ outcome: 'success' }, { outcome: 'failure' }],
    );
    observe = (ok, started) =>
      record({ outcome: ok ? 'success' : 'failure' }, (now() - started) / 1000);
  });

  const timed = (batch: readonly Event[]): ReturnType<FlushHandler> => {
    const started = now();
    let result: ReturnType<FlushHandler>;
    try {
      result = onFlush(batch);
    } catch (err) {
      observe(false, started);
      throw err;
    }
    if (isSubscribable(result)) return timeObservable(result, (ok) => observe(ok, started));
    if (isThenable(result)) {
      return result.then(
        (value) => {
          observe(true, started);
          return value;
        },
        (err: unknown) => {
          observe(false, started);
          throw err;
        },
      );
    }
    observe(true, started);
    return result;
  };
  return Object.assign(timed, {
    unregister: handle.unregister,
    [Symbol.dispose]: handle.unregister,
  });
}

function timeObservable(
  inner: Subscribable<unknown>,
  done: (ok: boolean) => void,
): Observable<unknown> {
  return new Observable((subscriber) => {
    let settled = false;
    const finish = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      done(ok);
    };
    let subscription: Unsubscribable;
    try {
      subscription = inner.subscribe({
        next: (value) => subscriber.next(value),
        error: (err: unknown) => {
          finish(false);
          subscriber.error(err);
        },
        complete: () => {
          finish(true);
          subscriber.complete();
        },
      });
    } catch (err) {
      finish(false);
      throw err;
    }
    return () => subscription.unsubscribe();
  });
}

// The same tests as EventQueue's, so that the wrapper sees a result exactly as the queue would.
function isSubscribable(value: unknown): value is Subscribable<unknown> {
  return typeof (value as Subscribable<unknown> | null)?.subscribe === 'function';
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
