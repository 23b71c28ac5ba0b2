import type { Stats } from 'node:fs';
import type { FileMatcher } from './file-source-options.ts';

/** The `ignored` option as two tests: before a path's stats are known, and once they are. */
export interface IgnoreMatcher {
  /** Whether `path` is ignored whatever it is (exact paths, RegExps, functions without stats). */
  byPath(path: string): boolean;
  /** Whether the functions ignore `path` given its stats. */
  byStats(path: string, stats: Stats): boolean;
}

/** Compiles the `ignored` matchers once (as chokidar does: functions may be called twice). */
export function ignoreMatcher(matchers: readonly FileMatcher[]): IgnoreMatcher {
  const paths = new Set<string>();
  const patterns: RegExp[] = [];
  const functions: ((path: string, stats?: Stats) => boolean)[] = [];
  for (const matcher of matchers) {
    if (typeof matcher === 'string') paths.add(matcher);
    else if (matcher instanceof RegExp) patterns.push(matcher);
    else functions.push(matcher);
  }
  if (paths.size === 0 && patterns.length === 0 && functions.length === 0) {
    return { byPath: () => false, byStats: () => false };
  }
  return {
    byPath(path) {
      if (paths.has(path)) return true;
      for (const pattern of patterns) {
        pattern.lastIndex = 0;
        if (pattern.test(path)) return true;
      }
      for (const fn of functions) if (fn(path)) return true;
      return false;
    },
    byStats(path, stats) {
      for (const fn of functions) if (fn(path, stats)) return true;
      return false;
    },
  };
}
