import type { Router, RouterStats } from '../delivery/route.ts';
import { defineMetrics, type MetricsHandle } from './define-metrics.ts';
import type { Collect } from './metric-family.ts';
import { type MetricsOptions, resolveMetricsOptions } from './metrics-options.ts';

/**
 * Exposes a {@link Router}'s counters (from `route()`) for Prometheus, read
 * from `router.stats()` at scrape time (metric names with the default
 * prefix `batchwatch_`): counters `router_events_handled_total`,
 * `router_events_unrouted_total`, `router_events_dead_lettered_total`,
 * `router_key_errors_total` (events whose key function threw),
 * `router_retries_total`, `router_timeouts_total`; gauge
 * `router_pending_parts`.
 *
 * @throws OptionsError for bad options; MetricsConflictError when the registry
 *   already holds these series (give a second router distinct `labels`).
 * @example
 * const router = route({ key: byType, handlers });
 * routerMetrics(router, { registry });
 */
export function routerMetrics(
  router: Pick<Router, 'stats'>,
  options: MetricsOptions = {},
): MetricsHandle {
  const resolved = resolveMetricsOptions(options);
  const stat =
    (field: keyof RouterStats): Collect =>
    (emit) =>
      emit({}, router.stats()[field]);
  return defineMetrics(resolved, resolved.labels, (set) => {
    set.counter(
      'router_events_handled_total',
      'Events in parts a handler succeeded with.',
      [],
      stat('handled'),
    );
    set.counter(
      'router_events_unrouted_total',
      'Events whose key had no handler and no fallback (dropped by design).',
      [],
      stat('unrouted'),
    );
    set.counter(
      'router_events_dead_lettered_total',
      'Events in parts that failed on every try or were given up by close().',
      [],
      stat('deadLettered'),
    );
    set.counter(
      'router_key_errors_total',
      'Events whose key function threw.',
      [],
      stat('keyErrors'),
    );
    set.counter('router_retries_total', 'Retries of failed parts.', [], stat('retried'));
    set.counter(
      'router_timeouts_total',
      'Tries that ran past their timeout.',
      [],
      stat('timedOut'),
    );
    set.gauge(
      'router_pending_parts',
      'Parts running, waiting for a retry, or waiting for their handler to be free.',
      [],
      stat('pending'),
    );
  });
}
