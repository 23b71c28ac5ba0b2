import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { describe, expect, inject, it, vi } from 'vitest';
import { Op } from '../../../lib/jfs-protocol/op.ts';
import { proxyMetrics } from '../../../lib/metrics/proxy-metrics.ts';
import { serveMetrics } from '../../../lib/metrics/serve-metrics.ts';
import { sourceMetrics } from '../../../lib/metrics/source-metrics.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import {
  type Family,
  parsePrometheusText,
  sampleValue,
} from '../../unit/metrics/prometheus-text.ts';
import { client, nodeDir, startProxy, uniqueChannel } from '../jfs-proxy/support.ts';
import { httpRequest } from './http-request.ts';

const cleanup = cleanupAfterEach();

const redisStatuses = ['connecting', 'ready', 'reconnecting', 'closed'];

describe('proxyMetrics and sourceMetrics on a real proxy, Redis and jfs client', () => {
  it('exposes connections, frames, deliveries, Redis state and the client source over HTTP', async () => {
    const node = await nodeDir();
    cleanup(node.cleanup);
    const channel = uniqueChannel();
    const proxy = await startProxy(node.mounts, { channel, writeDebounce: 50, feed: 'pubsub' });
    cleanup(() => proxy.close());
    const registry = new Registry();
    const proxyHandle = proxyMetrics(proxy, { registry });
    const jfs = client(proxy.address, ['/data']);
    cleanup(jfs.stop);
    const sourceHandle = sourceMetrics(jfs.source, { registry });
    const server = await serveMetrics(registry, { port: 0 });
    cleanup(() => server.close());
    const scrape = async (): Promise<Map<string, Family>> => {
      const response = await httpRequest(server.url);
      expect(response.status).toBe(200);
      return parsePrometheusText(response.body);
    };
    const redisState = (families: Map<string, Family>): string[] =>
      redisStatuses.filter(
        (status) => sampleValue(families, 'batchwatch_proxy_redis_status', { status }) === 1,
      );

    await jfs.source.ready();
    await vi.waitFor(() => expect(proxy.stats().watchedPaths).toBe(1));
    const publisher = new Redis({ port: inject('redisPort'), lazyConnect: true });
    cleanup(() => publisher.disconnect());
    await publisher.connect();
    const created = ['a.txt', 'b.txt'].map((name) => ({
      Name: `${node.dir}/${name}`,
      Op: Op.Create,
      Key: node.dir,
    }));
    await publisher.publish(channel, JSON.stringify(created));
    await vi.waitFor(() => expect(jfs.events).toHaveLength(2));

    let families = await scrape();
    const stats = proxy.stats();
    const types = Object.fromEntries([...families.values()].map((f) => [f.name, f.type]));
    expect(types).toMatchObject({
      batchwatch_proxy_open_connections: 'gauge',
      batchwatch_proxy_connections_accepted_total: 'counter',
      batchwatch_proxy_frames_received_total: 'counter',
      batchwatch_proxy_frames_sent_total: 'counter',
      batchwatch_proxy_slow_clients_dropped_total: 'counter',
      batchwatch_proxy_redis_status: 'gauge',
      batchwatch_source_status: 'gauge',
    });
    expect(sampleValue(families, 'batchwatch_proxy_open_connections')).toBe(1);
    expect(sampleValue(families, 'batchwatch_proxy_connections_accepted_total')).toBe(1);
    expect(sampleValue(families, 'batchwatch_proxy_watched_paths')).toBe(1);
    expect(stats.framesIn).toBeGreaterThan(0);
    expect(stats.framesOut).toBeGreaterThan(0);
    expect(sampleValue(families, 'batchwatch_proxy_frames_received_total')).toBe(stats.framesIn);
    expect(sampleValue(families, 'batchwatch_proxy_frames_sent_total')).toBe(stats.framesOut);
    expect(sampleValue(families, 'batchwatch_proxy_events_delivered_total')).toBe(2);
    expect(sampleValue(families, 'batchwatch_proxy_redis_messages_total')).toBe(1);
    expect(sampleValue(families, 'batchwatch_proxy_invalid_notify_entries_total')).toBe(0);
    expect(sampleValue(families, 'batchwatch_proxy_malformed_frames_total')).toBe(0);
    expect(sampleValue(families, 'batchwatch_proxy_slow_clients_dropped_total')).toBe(0);
    expect(sampleValue(families, 'batchwatch_proxy_writes_debounced_total')).toBe(0);
    expect(redisState(families)).toEqual(['ready']);
    const jfsLabels = { source: 'jfs' };
    expect(
      sampleValue(families, 'batchwatch_source_status', { ...jfsLabels, status: 'ready' }),
    ).toBe(1);
    expect(sampleValue(families, 'batchwatch_source_events_total', jfsLabels)).toBe(2);
    expect(sampleValue(families, 'batchwatch_source_reconnects_total', jfsLabels)).toBe(0);

    // Entries that are not events are counted, not delivered.
    await publisher.publish(channel, JSON.stringify([{ Name: 1 }, { Op: 1 }]));
    await vi.waitFor(async () =>
      expect(sampleValue(await scrape(), 'batchwatch_proxy_invalid_notify_entries_total')).toBe(2),
    );
    expect(sampleValue(await scrape(), 'batchwatch_proxy_redis_messages_total')).toBe(2);

    jfs.stop();
    await vi.waitFor(async () =>
      expect(sampleValue(await scrape(), 'batchwatch_proxy_open_connections')).toBe(0),
    );
    families = await scrape();
    expect(sampleValue(families, 'batchwatch_proxy_connections_accepted_total')).toBe(1);
    expect(sampleValue(families, 'batchwatch_proxy_watched_paths')).toBe(0);
    expect(
      sampleValue(families, 'batchwatch_source_status', { ...jfsLabels, status: 'closed' }),
    ).toBe(1);

    await proxy.close();
    expect(redisState(await scrape())).toEqual(['closed']);
    proxyHandle.unregister();
    sourceHandle.unregister();
    expect((await httpRequest(server.url)).body).toBe('\n');
  });

  it('tells two proxies apart by their labels', async () => {
    const node = await nodeDir();
    cleanup(node.cleanup);
    const registry = new Registry();
    for (const name of ['east', 'west']) {
      const proxy = await startProxy(node.mounts, { channel: uniqueChannel() });
      cleanup(() => proxy.close());
      const handle = proxyMetrics(proxy, { registry, labels: { proxy: name } });
      cleanup(() => handle.unregister());
    }
    const families = parsePrometheusText(await registry.metrics());
    for (const proxy of ['east', 'west']) {
      expect(
        sampleValue(families, 'batchwatch_proxy_redis_status', { proxy, status: 'ready' }),
      ).toBe(1);
      expect(sampleValue(families, 'batchwatch_proxy_open_connections', { proxy })).toBe(0);
    }
  });
});
