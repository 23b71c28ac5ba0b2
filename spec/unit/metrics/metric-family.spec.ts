import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Gauge, Registry, register } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { MetricsHandle } from '../../../lib/metrics/define-metrics.ts';
import { MetricsConflictError } from '../../../lib/metrics/metrics-errors.ts';
import { queueMetrics } from '../../../lib/metrics/queue-metrics.ts';
import { EventQueue } from '../../../lib/queue/event-queue.ts';
import { dockerEvent } from '../../../lib/testing/index.ts';
import { sampleValue } from './prometheus-text.ts';
import { scrape } from './support.ts';

const received = 'batchwatch_queue_events_received_total';

describe('metrics on a shared registry', () => {
  it("refuses a name another library registered, and leaves that library's metric alone", async () => {
    const registry = new Registry();
    new Gauge({ name: received, help: 'not ours', registers: [registry] }).set(42);
    const queue = new EventQueue();
    const error = (() => {
      try {
        queueMetrics(queue, { registry, labels: { queue: 'a' } });
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(MetricsConflictError);
    expect(error).toMatchObject({
      code: 'BATCHWATCH_METRICS_CONFLICT',
      metric: received,
      labels: { queue: 'a' },
    });
    expect((error as Error).message).toMatch(/not make/);
    expect(registry.getMetricsAsArray()).toHaveLength(1);
    expect(sampleValue(await scrape(registry), received)).toBe(42);
    queue.stop();
  });

  it('refuses a second queue with other label names than the first', () => {
    const registry = new Registry();
    const a = new EventQueue();
    const b = new EventQueue();
    queueMetrics(a, { registry, labels: { queue: 'a' } });
    expect(() => queueMetrics(b, { registry, labels: { shard: 'b' } })).toThrow(
      /registered as a counter with labels \[queue, type\]/,
    );
    expect(() =>
      queueMetrics(b, { registry, labels: { queue: 'b' }, batchSizeBuckets: [1] }),
    ).toThrow(/buckets/);
    a.stop();
    b.stop();
  });

  it('starts over after registry.clear(); the handle cleared away then unregisters harmlessly', async () => {
    const registry = new Registry();
    const old = new EventQueue();
    const oldMetrics = queueMetrics(old, { registry });
    registry.clear();
    const queue = new EventQueue();
    queueMetrics(queue, { registry });
    queue.push(dockerEvent.start('a'));
    oldMetrics.unregister();
    expect(sampleValue(await scrape(registry), received, { type: 'docker' })).toBe(1);
    old.stop();
    queue.stop();
  });

  it("uses prom-client's global register by default", async () => {
    const queue = new EventQueue();
    const metrics = queueMetrics(queue);
    try {
      queue.push(dockerEvent.start('a'));
      expect(sampleValue(await scrape(register), received, { type: 'docker' })).toBe(1);
    } finally {
      metrics.unregister();
      queue.stop();
    }
    expect(register.getSingleMetric(received)).toBeUndefined();
  });

  describe('garbage collection', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;

    /** Makes a queue with metrics on `registry` and returns only a weak reference to it. */
    function meteredQueue(registry: Registry, handles: MetricsHandle[]): WeakRef<EventQueue> {
      const queue = new EventQueue({ flushInterval: 1 });
      handles.push(queueMetrics(queue, { registry }));
      queue.push(dockerEvent.start('a'));
      queue.stop();
      return new WeakRef(queue);
    }

    async function collected(ref: WeakRef<object>): Promise<boolean> {
      for (let round = 0; round < 10; round++) {
        // A WeakRef target lives until the end of the job that made or read it: yield first.
        await new Promise((resolve) => setImmediate(resolve));
        gc();
        if (ref.deref() === undefined) return true;
      }
      return false;
    }

    it('an unregistered queue is collected, though the registry and the handle live on', async () => {
      const registry = new Registry();
      const handles: MetricsHandle[] = [];
      const ref = meteredQueue(registry, handles);
      for (const handle of handles) handle.unregister();
      expect(await collected(ref)).toBe(true);
      expect(handles).toHaveLength(1);
      expect(registry.getMetricsAsArray()).toEqual([]);
    });

    it('a queue still registered is kept alive by the registry (the control)', async () => {
      const registry = new Registry();
      const handles: MetricsHandle[] = [];
      const ref = meteredQueue(registry, handles);
      expect(await collected(ref)).toBe(false);
      for (const handle of handles) handle.unregister();
    });
  });
});
