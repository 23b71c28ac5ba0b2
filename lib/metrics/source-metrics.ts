import { OptionsError } from '../errors.ts';
import { type EventSource, SourceStatusKind } from '../sources/event-source.ts';
import { defineMetrics, type MetricsHandle } from './define-metrics.ts';
import type { Collect } from './metric-family.ts';
import { type MetricsOptions, resolveMetricsOptions } from './metrics-options.ts';

/** Options of {@link sourceMetrics}. */
export interface SourceMetricsOptions extends MetricsOptions {
  /** The value of the `source` label. Default: the source's `name` (`docker`, `file`, `jfs`, `poll`). */
  readonly name?: string;
}

/** The counters every source has; the others are the source's own. */
const common = ['events', 'warnings', 'reconnects'] as const;

/**
 * Exposes an {@link EventSource}'s status and counters for Prometheus, read
 * at scrape time, every series labelled `source` (metric names with the
 * default prefix `batchwatch_`):
 *
 * - `source_status{status}`: 1 for the current status (`idle`,
 *   `connecting`, `ready`, `reconnecting`, `closed`), 0 for the others;
 * - counters `source_events_total`, `source_warnings_total`,
 *   `source_reconnects_total`;
 * - `source_stat{stat}`: each counter of the source's own (`malformed`,
 *   `duplicates`, `renames`, `tracked`...), a gauge because some are levels
 *   (`tracked`) rather than cumulative counts.
 *
 * A source's counters start again from 0 when it is subscribed again:
 * Prometheus reads that as a counter reset, which `rate()` handles.
 *
 * @throws OptionsError for bad options; MetricsConflictError when a source of
 *   the same name is already registered (give one a distinct `name`).
 * @example for (const source of sources) sourceMetrics(source, { registry });
 */
export function sourceMetrics(
  source: Pick<EventSource, 'name' | 'status' | 'stats'>,
  options: SourceMetricsOptions = {},
): MetricsHandle {
  const resolved = resolveMetricsOptions(options, ['name']);
  const name = options.name ?? source.name;
  if (typeof name !== 'string' || name === '') {
    throw new OptionsError('name', name, 'a non-empty string');
  }
  const counter =
    (key: (typeof common)[number]): Collect =>
    (emit) =>
      emit({}, source.stats()[key] ?? 0);
  return defineMetrics(resolved, { ...resolved.labels, source: name }, (set) => {
    set.gauge(
      'source_status',
      'The status of the source: 1 for the current one, 0 for the others.',
      ['status'],
      (emit) => {
        const current = source.status.kind;
        for (const status of Object.values(SourceStatusKind)) {
          emit({ status }, status === current ? 1 : 0);
        }
      },
    );
    set.counter('source_events_total', 'Events the source delivered.', [], counter('events'));
    set.counter(
      'source_warnings_total',
      'Non-fatal problems the source reported (a reconnect, a malformed frame...).',
      [],
      counter('warnings'),
    );
    set.counter(
      'source_reconnects_total',
      'Times the source lost its connection and started reconnecting.',
      [],
      counter('reconnects'),
    );
    set.gauge(
      'source_stat',
      "The source's own counters, as its stats() reports them (most are cumulative counts).",
      ['stat'],
      (emit) => {
        for (const [stat, value] of Object.entries(source.stats())) {
          if (!(common as readonly string[]).includes(stat)) emit({ stat }, value);
        }
      },
    );
  });
}
