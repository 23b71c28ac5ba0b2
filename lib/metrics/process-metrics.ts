import { collectDefaultMetrics } from 'prom-client';
import type { MetricsHandle } from './define-metrics.ts';
import { type MetricsOptions, resolveMetricsOptions } from './metrics-options.ts';

/**
 * Adds prom-client's default process metrics (`process_cpu_seconds_total`,
 * `process_resident_memory_bytes`, `nodejs_eventloop_lag_seconds`,
 * `nodejs_heap_size_used_bytes`, ...) to a registry, as prom-client's
 * `collectDefaultMetrics` does, with a handle that takes them out again.
 * Optional: call it when nothing else in the process does already (the
 * `batchwatch` command does it for `--metrics`). The names carry no prefix
 * unless `prefix` is given (default `''`, prom-client's own names, which
 * dashboards expect); `labels` are added to every series.
 *
 * @throws OptionsError for bad options; prom-client's error when the registry
 *   already holds the default metrics.
 * @example processMetrics({ registry });
 */
export function processMetrics(options: MetricsOptions = {}): MetricsHandle {
  const { registry, prefix, labels } = resolveMetricsOptions({ prefix: '', ...options });
  const before = new Set(registry.getMetricsAsArray().map((metric) => metric.name));
  collectDefaultMetrics({ register: registry as never, prefix, labels: { ...labels } });
  const added = registry
    .getMetricsAsArray()
    .map((metric) => metric.name)
    .filter((name) => !before.has(name));
  let registered = true;
  const unregister = (): void => {
    if (!registered) return;
    registered = false;
    for (const name of added) registry.removeSingleMetric(name);
  };
  return { unregister, [Symbol.dispose]: unregister };
}
