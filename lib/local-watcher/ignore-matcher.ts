import type { Stats } from 'node:fs';
import { isAbsolute, sep } from 'node:path';
import picomatch from 'picomatch';

/**
 * A path to leave out. A string is an absolute path (that exact path), or a
 * glob as chokidar users write them (picomatch's, dot files included): one
 * without a slash is matched against each entry's name at any depth
 * (`'node_modules'`, `'.git'`, `'*.log'`), one with a slash against the
 * path relative to the watched directory (`'.git/**'`, `'**\/*.log'`,
 * `'build/*.tmp'`) or, when absolute, against the absolute path. A RegExp is
 * tested against the whole absolute path; a function gets the path and, when
 * known, its stats (it may be called twice, first without stats: guard with
 * `stats?.isFile()`). An ignored directory is not entered.
 */
export type FileMatcher = string | RegExp | ((path: string, stats?: Stats) => boolean);

/** The `ignored` option as two tests: before a path's stats are known, and once they are. */
export interface IgnoreMatcher {
  /** Whether `path` is ignored whatever it is (paths, globs, RegExps, functions without stats). */
  byPath(path: string): boolean;
  /** Whether the functions ignore `path` given its stats. */
  byStats(path: string, stats: Stats): boolean;
}

/** The matcher of an empty `ignored`: nothing is left out, at no cost per path. */
const NOTHING_IGNORED: IgnoreMatcher = { byPath: () => false, byStats: () => false };

/**
 * Compiles the `ignored` matchers once (as chokidar does: functions may be
 * called twice). A string is, by its form:
 * - an absolute path without glob characters: that exact path;
 * - a pattern without a slash (`node_modules`, `*.log`, `.git`): matched
 *   against each entry's name, at any depth;
 * - a pattern with a slash (`.git/**`, `**\/*.log`, `build/*.tmp`): matched
 *   against the path relative to `root` (the watched directory), or the
 *   absolute path when the pattern is absolute.
 * Globs are picomatch's, with dot files matched (`*.log` matches `.x.log`).
 *
 * @param root The watched directory, absolute (relative patterns are relative to it).
 */
export function ignoreMatcher(matchers: readonly FileMatcher[], root = ''): IgnoreMatcher {
  const paths = new Set<string>();
  const names: ((name: string) => boolean)[] = [];
  const relatives: ((path: string) => boolean)[] = [];
  const absolutes: ((path: string) => boolean)[] = [];
  const patterns: RegExp[] = [];
  const functions: ((path: string, stats?: Stats) => boolean)[] = [];
  for (const matcher of matchers) {
    if (typeof matcher === 'string') {
      const pattern = matcher.startsWith('./') ? matcher.slice(2) : matcher;
      if (isAbsolute(pattern) && !picomatch.scan(pattern).isGlob) paths.add(pattern);
      else if (isAbsolute(pattern)) absolutes.push(picomatch(pattern, { dot: true }));
      else if (pattern.includes('/')) relatives.push(picomatch(pattern, { dot: true }));
      else names.push(picomatch(pattern, { dot: true }));
    } else if (matcher instanceof RegExp) patterns.push(matcher);
    else functions.push(matcher);
  }
  const none =
    paths.size + names.length + relatives.length + absolutes.length + patterns.length === 0;
  if (none && functions.length === 0) return NOTHING_IGNORED;
  const prefix = root === '' || root.endsWith(sep) ? root : `${root}${sep}`;
  return {
    byPath(path) {
      if (paths.has(path)) return true;
      if (names.length > 0) {
        const name = path.slice(path.lastIndexOf(sep) + 1);
        for (const test of names) if (test(name)) return true;
      }
      if (relatives.length > 0 && prefix !== '' && path.startsWith(prefix)) {
        const relative = path.slice(prefix.length);
        for (const test of relatives) if (test(relative)) return true;
      }
      for (const test of absolutes) if (test(path)) return true;
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

/**
 * One {@link ignoreMatcher} per root directory, each path tested by that of
 * the innermost root it lies under (so that relative globs are relative to
 * it), for code that walks several roots with one matcher.
 */
export function rootsIgnoreMatcher(
  matchers: readonly FileMatcher[],
  roots: readonly string[],
): IgnoreMatcher {
  if (matchers.length === 0) return NOTHING_IGNORED;
  const byRoot = [...new Set(roots)]
    .sort((a, b) => b.length - a.length)
    .map((root) => [root, ignoreMatcher(matchers, root)] as const);
  const outside = ignoreMatcher(matchers);
  const pick = (path: string): IgnoreMatcher => {
    for (const [root, matcher] of byRoot) {
      if (path === root || (path.startsWith(root) && path[root.length] === sep)) return matcher;
    }
    return outside;
  };
  return {
    byPath: (path) => pick(path).byPath(path),
    byStats: (path, stats) => pick(path).byStats(path, stats),
  };
}
