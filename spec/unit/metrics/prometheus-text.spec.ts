import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parsePrometheusText, sampleValue } from './prometheus-text.ts';

// The specs trust this parser to reject what Prometheus would; these prove it reads and rejects.
describe('the spec-side Prometheus text parser', () => {
  it('reads what prom-client writes: help, types, escaped label values, histogram samples', async () => {
    const registry = new Registry();
    new Counter({ name: 'a_total', help: 'Help with \\ and\nnewline.', registers: [registry] }).inc(
      3,
    );
    new Gauge({ name: 'b', help: 'b', labelNames: ['path'], registers: [registry] }).set(
      { path: 'C:\\x "q"\nz' },
      -1.5,
    );
    new Histogram({ name: 'c', help: 'c', buckets: [1, 2], registers: [registry] }).observe(1.5);
    const families = parsePrometheusText(await registry.metrics());
    expect([...families.keys()]).toEqual(['a_total', 'b', 'c']);
    expect(families.get('a_total')).toMatchObject({
      type: 'counter',
      help: 'Help with \\ and\nnewline.',
    });
    expect(sampleValue(families, 'a_total')).toBe(3);
    expect(sampleValue(families, 'b', { path: 'C:\\x "q"\nz' })).toBe(-1.5);
    expect(families.get('c')?.type).toBe('histogram');
    expect(sampleValue(families, 'c_bucket', { le: '1' })).toBe(0);
    expect(sampleValue(families, 'c_bucket', { le: '+Inf' })).toBe(1);
    expect(sampleValue(families, 'c_sum')).toBe(1.5);
    expect(() => sampleValue(families, 'b', { path: 'other' })).toThrow(/no sample b/);
  });

  it.each([
    ['a sample outside its family', '# TYPE a counter\nb 1\n'],
    ['a histogram sample under a gauge', '# TYPE a gauge\na_bucket{le="1"} 1\n'],
    ['a duplicate series', '# TYPE a gauge\na{x="1"} 1\na{x="1"} 2\n'],
    ['a bad value', '# TYPE a gauge\na one\n'],
    ['an unterminated label', '# TYPE a gauge\na{x="1} 1\n'],
    ['a bad label name', '# TYPE a gauge\na{1x="1"} 1\n'],
    ['an unknown type', '# TYPE a number\n'],
    ['a missing final newline', '# TYPE a gauge\na 1'],
  ])('rejects %s', (_, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });
});
