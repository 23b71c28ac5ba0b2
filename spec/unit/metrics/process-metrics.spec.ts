import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { processMetrics } from '../../../lib/metrics/index.ts';
import { scrape } from './support.ts';

describe('processMetrics', () => {
  it("adds prom-client's default process metrics under their usual names, and takes them out", async () => {
    const registry = new Registry();
    const handle = processMetrics({ registry });
    const families = await scrape(registry);
    expect(families.get('process_cpu_seconds_total')?.type).toBe('counter');
    expect(families.get('process_resident_memory_bytes')?.type).toBe('gauge');
    expect(families.has('nodejs_heap_size_used_bytes')).toBe(true);
    handle.unregister();
    handle.unregister();
    expect(registry.getMetricsAsArray()).toEqual([]);
  });

  it('takes a prefix and constant labels', async () => {
    const registry = new Registry();
    using _ = processMetrics({ registry, prefix: 'app_', labels: { instance: 'a' } });
    const families = await scrape(registry);
    const cpu = families.get('app_process_cpu_seconds_total');
    expect(cpu?.samples[0]?.labels['instance']).toBe('a');
  });
});
