import { Registry, register } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { OptionsError } from '../../../lib/errors.ts';
import {
  type MetricsOptions,
  resolveBuckets,
  resolveMetricsOptions,
} from '../../../lib/metrics/metrics-options.ts';
import { resolveServeMetricsOptions } from '../../../lib/metrics/serve-metrics.ts';

function optionOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (err) {
    if (err instanceof OptionsError) return err.option;
    throw err;
  }
  return undefined;
}

describe('resolveMetricsOptions', () => {
  it('fills in the global register, the batchwatch_ prefix and no labels; freezes the result', () => {
    const resolved = resolveMetricsOptions({});
    expect(resolved).toEqual({ registry: register, prefix: 'batchwatch_', labels: {} });
    expect(Object.isFrozen(resolved)).toBe(true);
    const registry = new Registry();
    expect(resolveMetricsOptions({ registry, prefix: '', labels: { queue: 'a' } })).toEqual({
      registry,
      prefix: '',
      labels: { queue: 'a' },
    });
  });

  it.each<[string, MetricsOptions, string]>([
    ['a registry that is not one', { registry: {} as never }, 'registry'],
    ['a prefix that is not a metric name', { prefix: '1st_' }, 'prefix'],
    ['a prefix with a dash', { prefix: 'my-app_' }, 'prefix'],
    ['labels that are not an object', { labels: 'queue=a' as never }, 'labels'],
    ['a label name with a dash', { labels: { 'my-queue': 'a' } }, 'labels.my-queue'],
    ['a reserved label name', { labels: { __name: 'a' } }, 'labels.__name'],
    ['a label batchwatch uses', { labels: { type: 'a' } }, 'labels.type'],
    ['the histogram bucket label', { labels: { le: 'a' } }, 'labels.le'],
    ['a label value that is not a string', { labels: { queue: 1 as never } }, 'labels.queue'],
    ['a misspelled option', { prefx: 'a_' } as never, 'prefx'],
  ])('rejects %s, naming the option', (_, options, option) => {
    expect(optionOf(() => resolveMetricsOptions(options))).toBe(option);
  });

  it('accepts the extra options its caller names, and no others', () => {
    expect(optionOf(() => resolveMetricsOptions({ name: 'x' } as never, ['name']))).toBeUndefined();
    expect(optionOf(() => resolveMetricsOptions({ nme: 'x' } as never, ['name']))).toBe('nme');
  });
});

describe('resolveBuckets', () => {
  it('keeps strictly increasing finite bounds and falls back to the default', () => {
    expect(resolveBuckets('b', undefined, [1])).toEqual([1]);
    expect(resolveBuckets('b', [0.5, 1, 10], [1])).toEqual([0.5, 1, 10]);
  });

  it.each([[[]], [[1, 1]], [[2, 1]], [[1, Number.POSITIVE_INFINITY]], [['1']]])(
    'rejects %j',
    (buckets) => {
      expect(optionOf(() => resolveBuckets('b', buckets as never, [1]))).toBe('b');
    },
  );
});

describe('resolveServeMetricsOptions', () => {
  it('listens on 127.0.0.1 by default', () => {
    expect(resolveServeMetricsOptions({ port: 9464 })).toEqual({ port: 9464, host: '127.0.0.1' });
    expect(resolveServeMetricsOptions({ port: 0, host: '::' })).toEqual({ port: 0, host: '::' });
  });

  it.each([
    [{ port: -1 }, 'port'],
    [{ port: 65_536 }, 'port'],
    [{ port: 1.5 }, 'port'],
    [{ port: '9464' }, 'port'],
    [{}, 'port'],
    [{ port: 1, host: '' }, 'host'],
    [{ port: 1, hots: 'x' }, 'hots'],
  ])('rejects %j', (options, option) => {
    expect(optionOf(() => resolveServeMetricsOptions(options as never))).toBe(option);
  });
});
