// Prometheus metrics, `batchwatch/metrics`: the only part of batchwatch that imports prom-client
// (an optional peer dependency). Nothing in the main entry point imports this folder.

export type { MetricsHandle } from './define-metrics.ts';
export type { FlushMetricsOptions, InstrumentedFlush } from './instrument-flush.ts';
export { defaultFlushDurationBuckets, instrumentFlush } from './instrument-flush.ts';
export { MetricsCollectError, MetricsConflictError } from './metrics-errors.ts';
export type { MetricsOptions, MetricsRegistry } from './metrics-options.ts';
export { processMetrics } from './process-metrics.ts';
export { proxyMetrics } from './proxy-metrics.ts';
export type { QueueMetricsOptions } from './queue-metrics.ts';
export { defaultBatchSizeBuckets, queueMetrics } from './queue-metrics.ts';
export { routerMetrics } from './router-metrics.ts';
export type { MetricsServer, ServeMetricsOptions } from './serve-metrics.ts';
export { serveMetrics } from './serve-metrics.ts';
export type { SourceMetricsOptions } from './source-metrics.ts';
export { sourceMetrics } from './source-metrics.ts';
