import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { BatchwatchError } from '../../../lib/errors.ts';
import { MetricsConflictError } from '../../../lib/metrics/metrics-errors.ts';
import { sourceMetrics } from '../../../lib/metrics/source-metrics.ts';
import { EventSource, type SourceContext } from '../../../lib/sources/event-source.ts';
import { dockerEvent } from '../../../lib/testing/index.ts';
import { type Family, sampleValue } from './prometheus-text.ts';
import { scrape } from './support.ts';

/** A real EventSource whose producer hands its context to the test. */
function controlledSource(name: string): { source: EventSource; context: () => SourceContext } {
  let context: SourceContext | undefined;
  const source = new EventSource(name, (ctx) => {
    context = ctx;
  });
  return {
    source,
    context: () => {
      if (context === undefined) throw new Error('not subscribed');
      return context;
    },
  };
}

const statuses = ['idle', 'connecting', 'ready', 'reconnecting', 'closed'];

function statusOf(families: Map<string, Family>, source: string): string[] {
  return statuses.filter(
    (status) => sampleValue(families, 'batchwatch_source_status', { source, status }) === 1,
  );
}

describe('sourceMetrics', () => {
  it('follows the status and counts events, warnings and reconnects, labelled by source', async () => {
    const registry = new Registry();
    const { source, context } = controlledSource('docker');
    sourceMetrics(source, { registry });
    let families = await scrape(registry);
    expect(statusOf(families, 'docker')).toEqual(['idle']);
    expect(families.get('batchwatch_source_status')?.type).toBe('gauge');
    expect(families.get('batchwatch_source_events_total')?.type).toBe('counter');

    const subscription = source.subscribe(() => {});
    expect(statusOf(await scrape(registry), 'docker')).toEqual(['connecting']);
    const ctx = context();
    ctx.status({ kind: 'ready', since: 0 });
    ctx.next(dockerEvent.start('a'));
    ctx.next(dockerEvent.stop('a'));
    ctx.warn(new BatchwatchError('a malformed line'));
    ctx.status({ kind: 'reconnecting', attempt: 1, delayMs: 10, error: new Error('broken') });
    expect(statusOf(await scrape(registry), 'docker')).toEqual(['reconnecting']);
    ctx.status({ kind: 'ready', since: 1 });
    ctx.next(dockerEvent.start('b'));

    families = await scrape(registry);
    expect(statusOf(families, 'docker')).toEqual(['ready']);
    expect(sampleValue(families, 'batchwatch_source_events_total', { source: 'docker' })).toBe(3);
    expect(sampleValue(families, 'batchwatch_source_warnings_total', { source: 'docker' })).toBe(1);
    expect(sampleValue(families, 'batchwatch_source_reconnects_total', { source: 'docker' })).toBe(
      1,
    );

    subscription.unsubscribe();
    expect(statusOf(await scrape(registry), 'docker')).toEqual(['closed']);
  });

  it("exposes the source's own counts as a counter with _total, and its levels as a gauge", async () => {
    const registry = new Registry();
    const { source, context } = controlledSource('file');
    sourceMetrics(source, { registry });
    const subscription = source.subscribe(() => {});
    context().count('renames', 2);
    context().count('tracked', 5);
    context().count('tracked', -3);
    const families = await scrape(registry);
    expect(families.get('batchwatch_source_counter_total')?.type).toBe('counter');
    expect(
      sampleValue(families, 'batchwatch_source_counter_total', {
        source: 'file',
        counter: 'renames',
      }),
    ).toBe(2);
    expect(
      families
        .get('batchwatch_source_counter_total')
        ?.samples.map((sample) => sample.labels['counter']),
    ).toEqual(['renames']);
    expect(families.get('batchwatch_source_level')?.type).toBe('gauge');
    expect(
      sampleValue(families, 'batchwatch_source_level', { source: 'file', level: 'tracked' }),
    ).toBe(2);
    // No counter is exposed as a gauge any more.
    expect(families.has('batchwatch_source_stat')).toBe(false);
    subscription.unsubscribe();
  });

  it('starts the counters again from 0 when the source is subscribed again (a counter reset)', async () => {
    const registry = new Registry();
    const { source, context } = controlledSource('jfs');
    sourceMetrics(source, { registry });
    const first = source.subscribe(() => {});
    context().next(dockerEvent.start('a'));
    first.unsubscribe();
    expect(
      sampleValue(await scrape(registry), 'batchwatch_source_events_total', { source: 'jfs' }),
    ).toBe(1);
    const second = source.subscribe(() => {});
    expect(
      sampleValue(await scrape(registry), 'batchwatch_source_events_total', { source: 'jfs' }),
    ).toBe(0);
    second.unsubscribe();
  });

  it('lists several sources side by side; a second of one name needs its own name', async () => {
    const registry = new Registry();
    const docker = controlledSource('docker');
    const file = controlledSource('file');
    const other = controlledSource('file');
    sourceMetrics(docker.source, { registry });
    const fileMetrics = sourceMetrics(file.source, { registry });
    expect(() => sourceMetrics(other.source, { registry })).toThrow(MetricsConflictError);
    // Extra labels on one source only would change the label names the others share.
    expect(() =>
      sourceMetrics(other.source, { registry, name: 'f', labels: { app: 'web' } }),
    ).toThrow(/registered as a gauge with labels \[source, status\]/);
    const renamed = sourceMetrics(other.source, { registry, name: 'config' });
    const families = await scrape(registry);
    for (const name of ['docker', 'file', 'config'])
      expect(statusOf(families, name)).toEqual(['idle']);

    fileMetrics.unregister();
    renamed.unregister();
    const left = await scrape(registry);
    expect(left.get('batchwatch_source_status')?.samples.map((s) => s.labels['source'])).toEqual(
      statuses.map(() => 'docker'),
    );
  });

  it('validates its options', () => {
    const registry = new Registry();
    const { source } = controlledSource('docker');
    expect(() => sourceMetrics(source, { registry, name: '' })).toThrow(
      expect.objectContaining({ name: 'OptionsError', option: 'name' }),
    );
    expect(() => sourceMetrics(source, { registry, labels: { source: 'x' } })).toThrow(
      expect.objectContaining({ name: 'OptionsError', option: 'labels.source' }),
    );
    expect(registry.getMetricsAsArray()).toEqual([]);
  });
});
