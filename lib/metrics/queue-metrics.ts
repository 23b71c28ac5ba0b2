import { EventType } from '../events/event.ts';
import type { EventQueue, QueueStats, TypeStats } from '../queue/event-queue.ts';
import { defineMetrics, type MetricsHandle } from './define-metrics.ts';
import type { Collect } from './metric-family.ts';
import { type MetricsOptions, resolveBuckets, resolveMetricsOptions } from './metrics-options.ts';

type NumericStat = Exclude<keyof QueueStats, 'byType'>;

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
 * - counters by event type, read from `queue.stats().byType` at scrape time:
 *   `queue_events_received_total{type}`, `queue_events_flushed_total{type}`,
 *   `queue_events_dropped_total{type}`, `queue_events_coalesced_total{type}`,
 *   `queue_events_dead_lettered_total{type}`;
 * - counters read from `queue.stats()`: `queue_batches_total`,
 *   `queue_retries_total`, `queue_errors_total`;
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
    (field: NumericStat, scale = 1): Collect =>
    (emit) =>
      emit({}, queue.stats()[field] * scale);
  // Every known event type has a series from the start (at 0), so that rate() sees it begin.
  const perType =
    (field: keyof TypeStats): Collect =>
    (emit) => {
      const byType = queue.stats().byType;
      const types = new Set<string>([...Object.values(EventType), ...Object.keys(byType)]);
      for (const type of types) emit({ type }, byType[type]?.[field] ?? 0);
    };
  return defineMetrics(resolved, resolved.labels, (set) => {
    set.counter(
      'queue_events_received_total',
      'Events pushed to the queue or received from its sources, by event type.',
      ['type'],
      perType('received'),
    );
    set.counter(
      'queue_events_flushed_total',
      'Events in batches onFlush handled, by event type.',
      ['type'],
      perType('flushed'),
    );
    set.counter(
      'queue_events_dropped_total',
      'Events dropped by the overflow policy, absorbed into a ForceReload, or discarded by stop(), by event type.',
      ['type'],
      perType('dropped'),
    );
    set.counter(
      'queue_events_coalesced_total',
      'Events merged into, or cancelled out with, another event of the same key, by event type.',
      ['type'],
      perType('coalesced'),
    );
    set.counter(
      'queue_events_dead_lettered_total',
      'Events in batches that failed on every try (dead letters), by event type.',
      ['type'],
      perType('deadLettered'),
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
    const subscription = queue.flushes$.subscribe((batch) => observeSize({}, batch.length));
    return () => subscription.unsubscribe();
  });
}
