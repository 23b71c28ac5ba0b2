import type { Stats } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ignoreMatcher } from '../../../../lib/sources/file/ignore-matcher.ts';

describe('ignoreMatcher', () => {
  const fileStats = { isFile: () => true } as Stats;

  it('matches exact paths, RegExps on the whole path (global ones too) and functions, with and without stats', () => {
    const matcher = ignoreMatcher([
      '/w/skip',
      /\.log$/g,
      (path, stats) => stats?.isFile() === true && path.endsWith('.tmp'),
    ]);
    expect(matcher.byPath('/w/skip')).toBe(true);
    expect(matcher.byPath('/w/skip/inner')).toBe(false);
    expect(matcher.byPath('/w/a.log')).toBe(true);
    expect(matcher.byPath('/w/b.log')).toBe(true);
    expect(matcher.byPath('/w/c.tmp')).toBe(false);
    expect(matcher.byStats('/w/c.tmp', fileStats)).toBe(true);
    expect(matcher.byStats('/w/c.txt', fileStats)).toBe(false);
  });

  it('matches nothing without matchers', () => {
    const matcher = ignoreMatcher([]);
    expect(matcher.byPath('/w/a')).toBe(false);
    expect(matcher.byStats('/w/a', fileStats)).toBe(false);
  });
});
