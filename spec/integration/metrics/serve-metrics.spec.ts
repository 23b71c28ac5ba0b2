import { createServer } from 'node:net';
import { Gauge, type OpenMetricsContentType, Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Event } from '../../../lib/events/event.ts';
import { instrumentFlush } from '../../../lib/metrics/instrument-flush.ts';
import type { MetricsRegistry } from '../../../lib/metrics/metrics-options.ts';
import { queueMetrics } from '../../../lib/metrics/queue-metrics.ts';
import { type MetricsServer, serveMetrics } from '../../../lib/metrics/serve-metrics.ts';
import { sourceMetrics } from '../../../lib/metrics/source-metrics.ts';
import { EventQueue } from '../../../lib/queue/event-queue.ts';
import { EventSource } from '../../../lib/sources/event-source.ts';
import { dockerEvent, fileEvent } from '../../../lib/testing/index.ts';
import {
  type Family,
  parsePrometheusText,
  sampleValue,
} from '../../unit/metrics/prometheus-text.ts';
import { httpRequest, openTcpHandles } from './http-request.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  // Every test leaves no server and no socket behind, servers and clients alike.
  await vi.waitFor(() => expect(openTcpHandles()).toBe(0));
});

async function serve(registry: MetricsRegistry): Promise<MetricsServer> {
  const server = await serveMetrics(registry, { port: 0 });
  cleanups.push(() => server.close());
  return server;
}

/** A real EventSource that delivers `events` once subscribed, then reports ready. */
function replaySource(name: string, events: readonly Event[]): EventSource {
  return new EventSource(name, (context) => {
    for (const event of events) context.next(event);
    context.status({ kind: 'ready', since: Date.now() });
  });
}

function expectHistogram(families: Map<string, Family>, name: string, labels = {}): number {
  const family = families.get(name);
  expect(family?.type).toBe('histogram');
  const buckets = (family?.samples ?? []).filter(
    (s) =>
      s.name === `${name}_bucket` &&
      Object.entries(labels).every(([key, value]) => s.labels[key] === value),
  );
  expect(buckets.length).toBeGreaterThan(1);
  const counts = buckets.map((s) => s.value);
  expect(counts).toEqual([...counts].sort((a, b) => a - b)); // cumulative
  expect(buckets.at(-1)?.labels['le']).toBe('+Inf');
  const count = sampleValue(families, `${name}_count`, labels);
  expect(buckets.at(-1)?.value).toBe(count);
  return count;
}

describe('serveMetrics over real HTTP', () => {
  it('serves a queue fed by a source, its flush timings and the source, in the text format', async () => {
    const registry = new Registry();
    const events = [
      dockerEvent.start('web'),
      dockerEvent.start('db'),
      dockerEvent.stop('cache'),
      fileEvent.written('/etc/app/a.yml'),
      fileEvent.created('/etc/app/b.yml'),
    ];
    const source = replaySource('synthetic', events);
    const onFlush = instrumentFlush(
      async (batch) => {
        await new Promise((resolve) => setTimeout(resolve, batch.length));
      },
      { registry },
    );
    const queue = new EventQueue({ flushInterval: 20, onFlush });
    cleanups.push(() => queue.drain());
    queueMetrics(queue, { registry });
    sourceMetrics(source, { registry });
    queue.start(source);
    await queue.sync();
    const server = await serve(registry);
    expect(server.address).toBe(`127.0.0.1:${server.port}`);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/metrics`);

    const response = await httpRequest(server.url);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = parsePrometheusText(response.body);

    for (const family of families.values()) {
      expect(family.name).toMatch(/^batchwatch_(queue|source)_[a-z_]+$/);
      expect(family.help).not.toBe('');
      expect(family.name.endsWith('_total')).toBe(family.type === 'counter');
    }
    const types = Object.fromEntries([...families.values()].map((f) => [f.name, f.type]));
    expect(types).toMatchObject({
      batchwatch_queue_events_received_total: 'counter',
      batchwatch_queue_events_flushed_total: 'counter',
      batchwatch_queue_pending_events: 'gauge',
      batchwatch_queue_oldest_pending_age_seconds: 'gauge',
      batchwatch_queue_batch_size: 'histogram',
      batchwatch_queue_flush_duration_seconds: 'histogram',
      batchwatch_source_status: 'gauge',
      batchwatch_source_reconnects_total: 'counter',
    });
    const stats = queue.stats();
    const received = (from: typeof families): number =>
      sampleValue(from, 'batchwatch_queue_events_received_total', { type: 'docker' }) +
      sampleValue(from, 'batchwatch_queue_events_received_total', { type: 'file' });
    expect(received(families)).toBe(5);
    expect(sampleValue(families, 'batchwatch_queue_events_flushed_total', { type: 'docker' })).toBe(
      3,
    );
    expect(sampleValue(families, 'batchwatch_queue_events_flushed_total', { type: 'file' })).toBe(
      2,
    );
    expect(sampleValue(families, 'batchwatch_queue_batches_total')).toBe(stats.batches);
    expect(sampleValue(families, 'batchwatch_queue_pending_events')).toBe(0);
    expect(expectHistogram(families, 'batchwatch_queue_batch_size')).toBe(stats.batches);
    expect(sampleValue(families, 'batchwatch_queue_batch_size_sum')).toBe(5);
    const success = { outcome: 'success' };
    expect(expectHistogram(families, 'batchwatch_queue_flush_duration_seconds', success)).toBe(
      stats.batches,
    );
    // Each flush waited batch.length ms: the sum is at least 5 ms, and far below a second.
    const seconds = sampleValue(families, 'batchwatch_queue_flush_duration_seconds_sum', success);
    expect(seconds).toBeGreaterThanOrEqual(0.004);
    expect(seconds).toBeLessThan(1);
    expect(sampleValue(families, 'batchwatch_source_events_total', { source: 'synthetic' })).toBe(
      5,
    );
    expect(
      sampleValue(families, 'batchwatch_source_status', { source: 'synthetic', status: 'ready' }),
    ).toBe(1);
    expect(
      sampleValue(families, 'batchwatch_source_status', { source: 'synthetic', status: 'closed' }),
    ).toBe(0);

    // A scrape reads the current state.
    queue.push(dockerEvent.die('web'));
    await queue.sync();
    const again = parsePrometheusText((await httpRequest(server.url)).body);
    expect(received(again)).toBe(6);
    expect(sampleValue(again, 'batchwatch_queue_events_flushed_total', { type: 'docker' })).toBe(4);
  });

  it('answers 404 elsewhere, 405 to other methods, HEAD without a body, and ignores a query', async () => {
    const registry = new Registry();
    new Gauge({ name: 'up_gauge', help: 'x', registers: [registry] }).set(1);
    const server = await serve(registry);
    const base = `http://${server.address}`;
    for (const path of ['/', '/metric', '/metrics/x', '/favicon.ico']) {
      const response = await httpRequest(`${base}${path}`);
      expect([path, response.status]).toEqual([path, 404]);
      expect(response.body).toMatch(/\/metrics/);
    }
    const post = await httpRequest(server.url, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers['allow']).toBe('GET, HEAD');
    const head = await httpRequest(server.url, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe(registry.contentType);
    expect(head.body).toBe('');
    const query = await httpRequest(`${server.url}?name[]=up_gauge`);
    expect(query.status).toBe(200);
    expect(sampleValue(parsePrometheusText(query.body), 'up_gauge')).toBe(1);
  });

  it('answers 500 with the reason when a collector fails, and goes on serving', async () => {
    const registry = new Registry();
    let fail = true;
    new Gauge({
      name: 'flaky',
      help: 'x',
      registers: [registry],
      collect() {
        if (fail) throw new Error('backend unreachable');
        this.set(2);
      },
    });
    const server = await serve(registry);
    const failed = await httpRequest(server.url);
    expect(failed.status).toBe(500);
    expect(failed.body).toMatch(/backend unreachable/);
    fail = false;
    const ok = await httpRequest(server.url);
    expect(ok.status).toBe(200);
    expect(sampleValue(parsePrometheusText(ok.body), 'flaky')).toBe(2);
  });

  it('serves the OpenMetrics format when the registry is set to it', async () => {
    const registry = new Registry<OpenMetricsContentType>();
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const queue = new EventQueue({ flushInterval: 1 });
    cleanups.push(() => queue.stop());
    queueMetrics(queue, { registry });
    queue.push(dockerEvent.start('a'));
    const server = await serve(registry);
    const response = await httpRequest(server.url);
    expect(response.headers['content-type']).toBe(
      'application/openmetrics-text; version=1.0.0; charset=utf-8',
    );
    expect(response.body).toContain('# TYPE batchwatch_queue_events_received counter\n');
    expect(response.body).toContain('\nbatchwatch_queue_events_received_total{type="docker"} 1\n');
    expect(response.body.endsWith('# EOF\n')).toBe(true);
  });

  it('close() ends a scrape in flight at once, is idempotent, and leaves no server or socket', async () => {
    const registry = new Registry();
    let release: (() => void) | undefined;
    new Gauge({
      name: 'slow',
      help: 'x',
      registers: [registry],
      async collect() {
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        this.set(1);
      },
    });
    const server = await serveMetrics(registry, { port: 0 });
    const scrape = httpRequest(server.url).then(
      () => 'answered',
      (err: NodeJS.ErrnoException) => err.code,
    );
    await vi.waitFor(() => expect(release).toBeDefined());
    const started = performance.now();
    const closing = server.close();
    expect(server.close()).toBe(closing);
    await closing;
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await scrape).toBe('ECONNRESET');
    release?.(); // the collector finishes after the connection is gone: nothing breaks
    await expect(httpRequest(server.url)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await vi.waitFor(() => expect(openTcpHandles()).toBe(0));
    await server[Symbol.asyncDispose]();
  });

  it('rejects with the listen error when the port is taken, leaving nothing open', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => blocker.close(resolve)));
    const port = (blocker.address() as { port: number }).port;
    await expect(serveMetrics(new Registry(), { port })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
    await vi.waitFor(() => expect(openTcpHandles()).toBe(1)); // the blocker only
    await expect(serveMetrics(new Registry(), { port: 70_000 })).rejects.toMatchObject({
      name: 'OptionsError',
      option: 'port',
    });
  });
});
