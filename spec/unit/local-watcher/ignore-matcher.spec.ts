import type { Stats } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ignoreMatcher } from '../../../lib/local-watcher/ignore-matcher.ts';

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

  it('takes the globs chokidar users write: names at any depth, paths relative to the root, absolute globs', () => {
    const matcher = ignoreMatcher(
      ['node_modules', '*.log', '.git/**', 'build/*.tmp', './dist', '/elsewhere/**/*.bak'],
      '/w',
    );
    for (const ignored of [
      '/w/node_modules',
      '/w/a/b/node_modules',
      '/w/a.log',
      '/w/deep/.hidden.log',
      '/w/.git',
      '/w/.git/HEAD',
      '/w/.git/objects/ab/cdef',
      '/w/build/x.tmp',
      '/w/dist',
      '/elsewhere/a/b.bak',
    ]) {
      expect([ignored, matcher.byPath(ignored)]).toEqual([ignored, true]);
    }
    for (const kept of [
      '/w/node_modules.txt',
      '/w/a.log.txt',
      '/w/sub/.git',
      '/w/sub/build/x.tmp',
      '/w/build/deeper/x.tmp',
      '/w/distant',
      '/w/a.bak',
    ]) {
      expect([kept, matcher.byPath(kept)]).toEqual([kept, false]);
    }
  });

  it("matches '**/*.log' at the root's own level and below", () => {
    const matcher = ignoreMatcher(['**/*.log'], '/w/');
    expect(matcher.byPath('/w/top.log')).toBe(true);
    expect(matcher.byPath('/w/a/b/c.log')).toBe(true);
    expect(matcher.byPath('/other/c.log')).toBe(false);
  });
});
