import { EventType } from '../events/event.ts';
import type { EventQueue, QueueStats } from '../queue/event-queue.ts';
import { defineMetrics, type MetricsHandle } from './define-metrics.ts';
import type { Collect } from './metric-family.ts';
import { type MetricsOptions, resolveBuckets, resolveMetricsOptions } from './metrics-options.ts';

/** Options of {@link queueMetrics}. */
export interface QueueMetricsOptions extends MetricsOptions {
  /**
   * Upper bounds of the batch size histogram, in events. Default
   * `[1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000]`.
   */
  readonly batchSizeBuckets?: readonly number[];
}

/** The default {@link QueueMetricsOptions.batchSizeBuckets}. */
export const defaultBatchSizeBuckets: readonly number[] = Object.freeze([
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000,
]);

/**
 * Exposes an {@link EventQueue}'s counters for Prometheus (metric names
 * with the default prefix `batchwatch_`):
 *
 * - counters, read from `queue.stats()` at scrape time:
 *   `queue_events_received_total`, `queue_events_dropped_total`,
 *   `queue_events_coalesced_total`, `queue_events_dead_lettered_total`,
 *   `queue_batches_total`, `queue_retries_total`, `queue_errors_total`;
 * - `queue_events_flushed_total{type}`: events in the batches `onFlush`
 *   handled, by event type, counted from `flushes$` (so from this call on:
 *   call it before `queue.start()`);
 * - gauges: `queue_pending_events`, `queue_in_flight_events`,
 *   `queue_oldest_pending_age_seconds`;
 * - histogram `queue_batch_size`: events per batch `onFlush` handled.
 *
 * The flush duration comes from {@link instrumentFlush}. No timer is used;
 * `unregister()` removes the series and the `flushes$` subscription.
 *
 * @throws OptionsError for bad options; MetricsConflictError when the registry
 *   already holds these series (give a second queue distinct `labels`).
 * @example
 * const queue = new EventQueue({ onFlush });
 * const metrics = queueMetrics(queue, { registry, labels: { queue: 'routes' } });
 */
export function queueMetrics(
  queue: Pick<EventQueue, 'stats' | 'flushes$'>,
  options: QueueMetricsOptions = {},
): MetricsHandle {
  const resolved = resolveMetricsOptions(options, ['batchSizeBuckets']);
  const buckets = resolveBuckets(
    'batchSizeBuckets',
    options.batchSizeBuckets,
    defaultBatchSizeBuckets,
  );
  const stat =
    (field: keyof QueueStats, scale = 1): Collect =>
    (emit) =>
      emit({}, queue.stats()[field] * scale);
  return defineMetrics(resolved, resolved.labels, (set) => {
    set.counter(
      'queue_events_received_total',
      'Events pushed to the queue or received from its sources.',
      [],
      stat('received'),
    );
    const flushed = new Map<string, number>(Object.values(EventType).map((type) => [type, 0]));
    set.counter(
      'queue_events_flushed_total',
      'Events in batches onFlush handled, by event type.',
      ['type'],
      (emit) => {
        for (const [type, count] of flushed) emit({ type }, count);
      },
    );
    set.counter(
      'queue_events_dropped_total',
      'Events dropped by the overflow policy, absorbed into a ForceReload, or discarded by stop().',
      [],
      stat('dropped'),
    );
    set.counter(
      'queue_events_coalesced_total',
      'Events merged into, or cancelled out with, another event of the same key.',
      [],
      stat('coalesced'),
    );
    set.counter(
      'queue_events_dead_lettered_total',
      'Events in batches that failed on every try (dead letters).',
      [],
      stat('deadLettered'),
    );
    set.counter('queue_batches_total', 'Batches onFlush handled.', [], stat('batches'));
    set.counter('queue_retries_total', 'Retries of failed batches.', [], stat('retried'));
    set.counter(
      'queue_errors_total',
      'Failures reported to onError (failed batches, failed sources, overflow).',
      [],
      stat('errors'),
    );
    set.gauge('queue_pending_events', 'Events waiting for a batch.', [], stat('pending'));
    set.gauge(
      'queue_in_flight_events',
      'Events in the batch being flushed or waiting for a retry.',
      [],
      stat('inFlight'),
    );
    set.gauge(
      'queue_oldest_pending_age_seconds',
      'How long the oldest pending event has waited; 0 when none is pending.',
      [],
      stat('oldestPendingMs', 1 / 1000),
    );
    const observeSize = set.histogram(
      'queue_batch_size',
      'Events per batch onFlush handled.',
      buckets,
      [{}],
    );
    const subscription = queue.flushes$.subscribe((batch) => {
      observeSize({}, batch.length);
      for (const event of batch) flushed.set(event.type, (flushed.get(event.type) ?? 0) + 1);
    });
    return () => subscription.unsubscribe();
  });
}
