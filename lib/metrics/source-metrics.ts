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
const isCommon = (name: string): boolean => (common as readonly string[]).includes(name);

/** Counters of sources that are levels, not cumulative counts: exposed as gauges. */
const LEVELS: ReadonlySet<string> = new Set(['tracked']);

/**
 * Exposes an {@link EventSource}'s status and counters for Prometheus, read
 * at scrape time, every series labelled `source` (metric names with the
 * default prefix `batchwatch_`):
 *
 * - `source_status{status}`: 1 for the current status (`idle`,
 *   `connecting`, `ready`, `reconnecting`, `closed`), 0 for the others;
 * - counters `source_events_total`, `source_warnings_total`,
 *   `source_reconnects_total`;
 * - `source_counter_total{counter}`: each cumulative counter of the source's
 *   own (`malformed`, `duplicates`, `renames`, `scanned`...), a counter;
 * - `source_level{level}`: each of its counters that is a level, which goes
 *   down as well as up (`tracked`: paths whose identity is remembered), a
 *   gauge.
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
    set.counter(
      'source_counter_total',
      "The source's own cumulative counters, as its stats() reports them.",
      ['counter'],
      (emit) => {
        for (const [counter, value] of Object.entries(source.stats())) {
          if (!isCommon(counter) && !LEVELS.has(counter)) emit({ counter }, value);
        }
      },
    );
    set.gauge(
      'source_level',
      "The source's own counters that are levels (they go down as well as up).",
      ['level'],
      (emit) => {
        for (const [level, value] of Object.entries(source.stats())) {
          if (LEVELS.has(level)) emit({ level }, value);
        }
      },
    );
  });
}
