import {
  type OpenMetricsContentType,
  type PrometheusContentType,
  type Registry,
  register,
} from 'prom-client';
import { OptionsError } from '../errors.ts';
import { rejectUnknownOptions } from '../options.ts';

/** A prom-client registry, in either exposition format. */
export type MetricsRegistry = Registry<PrometheusContentType> | Registry<OpenMetricsContentType>;

/** Options shared by `queueMetrics`, `instrumentFlush`, `sourceMetrics`, `proxyMetrics` and `routerMetrics`. */
export interface MetricsOptions {
  /**
   * Where the metrics are registered. Default: prom-client's global
   * `register`, so that an existing `/metrics` endpoint shows them.
   */
  readonly registry?: MetricsRegistry;
  /** Prepended to every metric name. Default `'batchwatch_'`. */
  readonly prefix?: string;
  /**
   * Constant labels on every series, to tell apart several queues, proxies
   * or routers on one registry (`{ queue: 'routes' }`). Default none.
   * `type`, `source`, `status`, `outcome`, `counter`, `level`, `le` and `quantile` are taken.
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/** {@link MetricsOptions} validated, with every default filled in. */
export interface ResolvedMetricsOptions {
  readonly registry: MetricsRegistry;
  readonly prefix: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** The option names of {@link MetricsOptions}, for `rejectUnknownOptions`. */
export const metricsOptionNames: readonly string[] = ['registry', 'prefix', 'labels'];

/** Label names batchwatch's own series use (or Prometheus reserves): not allowed in `labels`. */
const reservedLabels = new Set([
  'type',
  'source',
  'status',
  'outcome',
  'counter',
  'level',
  'le',
  'quantile',
]);
const metricNamePrefix = /^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Validates and completes {@link MetricsOptions}; `extra` names the options
 * of the caller's own that may also be present. Throws an `OptionsError`
 * naming a bad option.
 */
export function resolveMetricsOptions(
  options: MetricsOptions,
  extra: readonly string[] = [],
): ResolvedMetricsOptions {
  if (options === null || typeof options !== 'object') {
    throw new OptionsError('options', options, 'an options object');
  }
  rejectUnknownOptions(options, [...metricsOptionNames, ...extra]);
  const { registry = register, prefix = 'batchwatch_', labels = {} } = options;
  if (!isRegistry(registry)) {
    throw new OptionsError(
      'registry',
      registry,
      "a prom-client Registry (or prom-client's register)",
    );
  }
  if (typeof prefix !== 'string' || !metricNamePrefix.test(prefix)) {
    throw new OptionsError('prefix', prefix, 'a metric name prefix such as "batchwatch_"');
  }
  if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) {
    throw new OptionsError('labels', labels, 'an object of label names to string values');
  }
  for (const [name, value] of Object.entries(labels)) {
    if (!labelName.test(name) || name.startsWith('__')) {
      throw new OptionsError(`labels.${name}`, value, 'a label name of letters, digits and _');
    }
    if (reservedLabels.has(name)) {
      throw new OptionsError(
        `labels.${name}`,
        value,
        `a label name other than ${[...reservedLabels].join(', ')}`,
      );
    }
    if (typeof value !== 'string') throw new OptionsError(`labels.${name}`, value, 'a string');
  }
  return Object.freeze({ registry, prefix, labels: Object.freeze({ ...labels }) });
}

/** Validates histogram buckets: finite, strictly increasing, at least one. */
export function resolveBuckets(
  option: string,
  buckets: readonly number[] | undefined,
  fallback: readonly number[],
): readonly number[] {
  if (buckets === undefined) return fallback;
  const valid =
    Array.isArray(buckets) &&
    buckets.length > 0 &&
    buckets.every(
      (bound, i) =>
        typeof bound === 'number' &&
        Number.isFinite(bound) &&
        (i === 0 || bound > (buckets[i - 1] as number)),
    );
  if (!valid) throw new OptionsError(option, buckets, 'finite, strictly increasing bucket bounds');
  return Object.freeze([...buckets]);
}

// Duck-typed rather than `instanceof Registry`: an app may hold a registry of its own copy of prom-client.
function isRegistry(value: unknown): value is MetricsRegistry {
  const candidate = value as Partial<Record<keyof Registry, unknown>> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.registerMetric === 'function' &&
    typeof candidate.getSingleMetric === 'function' &&
    typeof candidate.removeSingleMetric === 'function' &&
    typeof candidate.metrics === 'function'
  );
}
