import {
  type Attachment,
  attachMetric,
  type Collect,
  type Labels,
  type MetricSpec,
} from './metric-family.ts';
import type { ResolvedMetricsOptions } from './metrics-options.ts';

/**
 * What `queueMetrics`, `sourceMetrics`, `proxyMetrics`, `routerMetrics` and
 * `instrumentFlush` return. `using metrics = queueMetrics(queue)` unregisters
 * at the end of the scope.
 */
export interface MetricsHandle extends Disposable {
  /**
   * Removes these series from the registry (a metric goes with its last
   * series) and lets go of what they observe: no reference to the queue,
   * source, proxy or router is left in the registry. Idempotent.
   */
  unregister(): void;
}

/** Declares the metrics of one member; every name is prefixed, every series carries the member's labels. */
export class MetricSet {
  readonly #options: ResolvedMetricsOptions;
  readonly #labels: Labels;
  readonly #attachments: Attachment[] = [];

  constructor(options: ResolvedMetricsOptions, labels: Labels) {
    this.#options = options;
    this.#labels = labels;
  }

  /** A counter whose series `collect` reads from a cumulative snapshot at scrape time. */
  counter(name: string, help: string, seriesLabels: readonly string[], collect: Collect): void {
    this.#attach({ name, help, kind: 'counter', seriesLabels }, { collect });
  }

  /** A gauge whose series `collect` reads at scrape time. */
  gauge(name: string, help: string, seriesLabels: readonly string[], collect: Collect): void {
    this.#attach({ name, help, kind: 'gauge', seriesLabels }, { collect });
  }

  /** A histogram with `series` started at zero; returns what records an observation. */
  histogram(
    name: string,
    help: string,
    buckets: readonly number[],
    series: readonly Labels[],
  ): (labels: Labels, value: number) => void {
    const seriesLabels = Object.keys(series[0] ?? {});
    const attachment = this.#attach(
      { name, help, kind: 'histogram', seriesLabels, buckets },
      { series },
    );
    return (labels, value) => attachment.observe(labels, value);
  }

  /** Detaches every series declared so far. */
  detachAll(): void {
    for (const attachment of this.#attachments.splice(0)) attachment.detach();
  }

  /** `spec.name` without the prefix. */
  #attach(
    spec: MetricSpec,
    source: { collect: Collect } | { series: readonly Labels[] },
  ): Attachment {
    const full = { ...spec, name: `${this.#options.prefix}${spec.name}` };
    const attachment = attachMetric(this.#options.registry, full, this.#labels, source);
    this.#attachments.push(attachment);
    return attachment;
  }
}

/**
 * Runs `define` to declare a member's metrics; returns the handle that
 * removes them and runs the teardown `define` returned. If a declaration
 * fails, those already made are removed before the error is thrown.
 */
export function defineMetrics(
  options: ResolvedMetricsOptions,
  labels: Labels,
  // biome-ignore lint/suspicious/noConfusingVoidType: most definitions have nothing to tear down.
  define: (set: MetricSet) => (() => void) | void,
): MetricsHandle {
  const set = new MetricSet(options, labels);
  let teardown: (() => void) | undefined;
  try {
    teardown = define(set) ?? undefined;
  } catch (err) {
    set.detachAll();
    throw err;
  }
  let registered = true;
  const unregister = (): void => {
    if (!registered) return;
    registered = false;
    teardown?.();
    // The teardown's scope holds the queue (or source...): a handle kept after unregister must not.
    teardown = undefined;
    set.detachAll();
  };
  return { unregister, [Symbol.dispose]: unregister };
}
