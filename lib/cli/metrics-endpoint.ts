import type { JfsProxy } from '../jfs-proxy/jfs-proxy.ts';
import type { EventQueue } from '../queue/event-queue.ts';
import type { FlushHandler } from '../queue/event-queue-options.ts';
import type { EventSource } from '../sources/event-source.ts';
import { listenFailure } from './listen-failure.ts';
import { UsageError } from './usage-error.ts';

/** A `/metrics` endpoint of the CLI; `close()` unregisters every collector and stops the server. */
export interface MetricsEndpoint {
  readonly url: string;
  /** Wraps the flush handler to time it. */
  instrument(onFlush: FlushHandler): FlushHandler;
  /** Registers a queue and its sources (before `queue.start`). */
  watchQueue(queue: EventQueue, sources: readonly EventSource[]): void;
  watchProxy(proxy: JfsProxy): void;
  close(): Promise<void>;
}

/**
 * Serves Prometheus metrics on `host`:`port`, prom-client's default process metrics included. prom-client is an optional peer
 * dependency, so it is loaded only here, only when `--metrics` is given.
 *
 * @throws UsageError naming the install command when prom-client is missing.
 */
export async function startMetrics(port: number, host: string): Promise<MetricsEndpoint> {
  let metrics: typeof import('../metrics/index.ts');
  let promClient: typeof import('prom-client');
  try {
    promClient = await import('prom-client');
    metrics = await import('../metrics/index.ts');
  } catch {
    throw new UsageError(
      '--metrics needs the optional dependency prom-client: npm install prom-client',
    );
  }
  const registry = new promClient.Registry();
  let server: Awaited<ReturnType<typeof metrics.serveMetrics>>;
  try {
    server = await metrics.serveMetrics(registry, { port, host });
  } catch (err) {
    throw listenFailure(err, '--metrics', `${host.includes(':') ? `[${host}]` : host}:${port}`);
  }
  // The process's CPU, memory and event loop, as every prom-client app exposes them.
  const handles: { unregister(): void }[] = [metrics.processMetrics({ registry })];
  return {
    url: server.url,
    instrument: (onFlush) => {
      const instrumented = metrics.instrumentFlush(onFlush, { registry });
      handles.push(instrumented);
      return instrumented;
    },
    watchQueue: (queue, sources) => {
      handles.push(metrics.queueMetrics(queue, { registry }));
      for (const source of sources) handles.push(metrics.sourceMetrics(source, { registry }));
    },
    watchProxy: (proxy) => {
      handles.push(metrics.proxyMetrics(proxy, { registry }));
    },
    close: async () => {
      for (const handle of handles.splice(0)) handle.unregister();
      await server.close();
    },
  };
}
