import { Registry } from 'prom-client';
import { finalize, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { OptionsError, type QueueError } from '../../../lib/errors.ts';
import { MetricsConflictError } from '../../../lib/metrics/metrics-errors.ts';
import { queueMetrics } from '../../../lib/metrics/queue-metrics.ts';
import { EventQueue } from '../../../lib/queue/event-queue.ts';
import type { EventQueueOptions } from '../../../lib/queue/event-queue-options.ts';
import { dockerEvent, fileEvent, trackTimers } from '../../../lib/testing/index.ts';
import { sampleValue } from './prometheus-text.ts';
import { type ManualClock, manualClock, scrape } from './support.ts';

const p = 'batchwatch_queue_';

function setup(options: EventQueueOptions = {}): {
  clock: ManualClock;
  queue: EventQueue;
  registry: Registry;
} {
  const clock = manualClock();
  const queue = new EventQueue({ flushInterval: 100, scheduler: clock.scheduler, ...options });
  return { clock, queue, registry: new Registry() };
}

describe('queueMetrics', () => {
  it('counts received and flushed events by type, batches, and batch sizes', async () => {
    const { clock, queue, registry } = setup();
    queueMetrics(queue, { registry });
    for (const name of ['a', 'b', 'c']) queue.push(dockerEvent.start(name));
    queue.push(fileEvent.written('/etc/a.yml'));
    queue.push(fileEvent.created('/etc/b.yml'));
    clock.advance(100);
    queue.push(fileEvent.deleted('/etc/c.yml'));
    clock.advance(100);

    const families = await scrape(registry);
    expect(sampleValue(families, `${p}events_received_total`, { type: 'docker' })).toBe(3);
    expect(sampleValue(families, `${p}events_received_total`, { type: 'file' })).toBe(3);
    expect(sampleValue(families, `${p}events_flushed_total`, { type: 'docker' })).toBe(3);
    expect(sampleValue(families, `${p}events_flushed_total`, { type: 'file' })).toBe(3);
    expect(sampleValue(families, `${p}batches_total`)).toBe(2);
    expect(families.get(`${p}events_flushed_total`)?.type).toBe('counter');
    expect(families.get(`${p}batch_size`)?.type).toBe('histogram');
    expect(sampleValue(families, `${p}batch_size_count`)).toBe(2);
    expect(sampleValue(families, `${p}batch_size_sum`)).toBe(6);
    expect(sampleValue(families, `${p}batch_size_bucket`, { le: '1' })).toBe(1);
    expect(sampleValue(families, `${p}batch_size_bucket`, { le: '2' })).toBe(1);
    expect(sampleValue(families, `${p}batch_size_bucket`, { le: '5' })).toBe(2);
    expect(sampleValue(families, `${p}batch_size_bucket`, { le: '+Inf' })).toBe(2);
    expect(queue.stats()).toMatchObject({ received: 6, flushed: 6, batches: 2 });
    queue.stop();
  });

  it('shows pending and in-flight events and the age of the oldest pending one, in seconds', async () => {
    const done = new Subject<void>();
    const { clock, queue, registry } = setup({ flushInterval: 1000, onFlush: () => done });
    queueMetrics(queue, { registry });
    queue.push(dockerEvent.start('a'));
    queue.push(dockerEvent.stop('b'));
    clock.advance(250);
    let families = await scrape(registry);
    expect(families.get(`${p}oldest_pending_age_seconds`)?.type).toBe('gauge');
    expect(sampleValue(families, `${p}oldest_pending_age_seconds`)).toBe(0.25);
    expect(sampleValue(families, `${p}pending_events`)).toBe(2);
    expect(sampleValue(families, `${p}in_flight_events`)).toBe(0);

    clock.advance(750); // the window closes: the batch is handed to onFlush, which has not finished
    families = await scrape(registry);
    expect(sampleValue(families, `${p}pending_events`)).toBe(0);
    expect(sampleValue(families, `${p}oldest_pending_age_seconds`)).toBe(0);
    expect(sampleValue(families, `${p}in_flight_events`)).toBe(2);
    expect(sampleValue(families, `${p}batches_total`)).toBe(0);

    done.complete();
    families = await scrape(registry);
    expect(sampleValue(families, `${p}in_flight_events`)).toBe(0);
    expect(sampleValue(families, `${p}batches_total`)).toBe(1);
    queue.stop();
  });

  it('counts dropped, coalesced, retried and dead-lettered events and errors as stats() does', async () => {
    const errors: QueueError[] = [];
    const { clock, queue, registry } = setup({
      capacity: 2,
      overflow: 'drop-newest',
      coalesce: true,
      maxRetries: 1,
      retry: () => 10,
      onFlush: () => {
        throw new Error('handler down');
      },
      onError: (error) => errors.push(error),
    });
    queueMetrics(queue, { registry });
    queue.push(fileEvent.written('/a'));
    queue.push(fileEvent.written('/a')); // coalesced into the first
    queue.push(fileEvent.written('/b'));
    queue.push(fileEvent.written('/c')); // over capacity: dropped
    clock.advance(100); // first try fails
    clock.advance(10); // the retry fails: dead letter

    const families = await scrape(registry);
    expect(errors.map((error) => error.name)).toEqual(['FlushError']);
    expect(queue.stats()).toMatchObject({
      received: 4,
      coalesced: 1,
      dropped: 1,
      retried: 1,
      deadLettered: 2,
      errors: 1,
      flushed: 0,
    });
    const file = { type: 'file' };
    expect(sampleValue(families, `${p}events_received_total`, file)).toBe(4);
    expect(sampleValue(families, `${p}events_coalesced_total`, file)).toBe(1);
    expect(sampleValue(families, `${p}events_dropped_total`, file)).toBe(1);
    expect(sampleValue(families, `${p}events_dropped_total`, { type: 'docker' })).toBe(0);
    expect(sampleValue(families, `${p}retries_total`)).toBe(1);
    expect(sampleValue(families, `${p}events_dead_lettered_total`, file)).toBe(2);
    expect(queue.stats().byType).toEqual({
      file: { received: 4, flushed: 0, dropped: 1, coalesced: 1, deadLettered: 2 },
    });
    expect(sampleValue(families, `${p}errors_total`)).toBe(1);
    expect(sampleValue(families, `${p}events_flushed_total`, { type: 'file' })).toBe(0);
    expect(sampleValue(families, `${p}batch_size_count`)).toBe(0);
    queue.stop();
  });

  it('reads stats() at scrape time and schedules nothing', async () => {
    const clock = manualClock();
    const timers = trackTimers(clock.scheduler);
    const queue = new EventQueue({ flushInterval: 100, scheduler: timers });
    const registry = new Registry();
    queueMetrics(queue, { registry });
    expect(timers.active).toBe(0);
    await scrape(registry);
    expect(timers.active).toBe(0);
    queue.push(dockerEvent.start('a'));
    expect(sampleValue(await scrape(registry), `${p}pending_events`)).toBe(1);
    queue.stop();
    expect(timers.active).toBe(0);
  });

  it('unregister() removes every series and unsubscribes from flushes$; it is idempotent', async () => {
    const { clock, queue, registry } = setup();
    let released = false;
    const observed = {
      stats: () => queue.stats(),
      flushes$: queue.flushes$.pipe(
        finalize(() => {
          released = true;
        }),
      ),
    };
    const metrics = queueMetrics(observed, { registry });
    queue.push(dockerEvent.start('a'));
    clock.advance(100);
    expect(sampleValue(await scrape(registry), `${p}batch_size_count`)).toBe(1);

    metrics.unregister();
    expect(released).toBe(true);
    expect(registry.getMetricsAsArray()).toEqual([]);
    expect(await registry.metrics()).toBe('\n');
    queue.push(dockerEvent.start('b'));
    clock.advance(100);
    expect(registry.getMetricsAsArray()).toEqual([]);
    metrics.unregister();
    metrics[Symbol.dispose]();
    queue.stop();
  });

  it('tells several queues apart by their labels on one registry', async () => {
    const registry = new Registry();
    const routes = setup();
    const files = setup();
    const a = queueMetrics(routes.queue, { registry, labels: { queue: 'routes' } });
    queueMetrics(files.queue, { registry, labels: { queue: 'files' } });
    routes.queue.push(dockerEvent.start('a'));
    files.queue.push(fileEvent.written('/x'));
    files.queue.push(fileEvent.written('/y'));
    let families = await scrape(registry);
    const routesDocker = { queue: 'routes', type: 'docker' };
    const filesFile = { queue: 'files', type: 'file' };
    expect(sampleValue(families, `${p}events_received_total`, routesDocker)).toBe(1);
    expect(sampleValue(families, `${p}events_received_total`, filesFile)).toBe(2);

    a.unregister();
    families = await scrape(registry);
    expect(() => sampleValue(families, `${p}events_received_total`, routesDocker)).toThrow();
    expect(sampleValue(families, `${p}events_received_total`, filesFile)).toBe(2);
    expect(sampleValue(families, `${p}batch_size_count`, { queue: 'files' })).toBe(0);
    expect(() => sampleValue(families, `${p}batch_size_count`, { queue: 'routes' })).toThrow();
    routes.queue.stop();
    files.queue.stop();
  });

  it('refuses a second queue with the same labels, registering nothing for it', async () => {
    const registry = new Registry();
    const first = setup();
    const second = setup();
    queueMetrics(first.queue, { registry });
    const before = registry.getMetricsAsArray().length;
    const attempt = (): unknown => queueMetrics(second.queue, { registry });
    expect(attempt).toThrow(MetricsConflictError);
    expect(attempt).toThrow(/batchwatch_queue_events_received_total: a series with these labels/);
    expect(registry.getMetricsAsArray()).toHaveLength(before);
    // The first queue's series are intact.
    first.queue.push(dockerEvent.start('a'));
    expect(
      sampleValue(await scrape(registry), `${p}events_received_total`, { type: 'docker' }),
    ).toBe(1);
    first.queue.stop();
    second.queue.stop();
  });

  it('validates its options', () => {
    const { queue } = setup();
    const registry = new Registry();
    expect(() => queueMetrics(queue, { registry, batchSizeBuckets: [5, 1] })).toThrow(
      expect.objectContaining({ name: 'OptionsError', option: 'batchSizeBuckets' }),
    );
    expect(() => queueMetrics(queue, { registry, batchSizeBucket: [1] } as never)).toThrow(
      OptionsError,
    );
    expect(registry.getMetricsAsArray()).toEqual([]);
    const custom = queueMetrics(queue, { registry, prefix: 'app_', batchSizeBuckets: [10] });
    expect(registry.getSingleMetric('app_queue_batch_size')).toBeDefined();
    custom.unregister();
    queue.stop();
  });
});
