import { dirname, isAbsolute, resolve } from 'node:path';
import { rootsIgnoreMatcher } from '../local-watcher/ignore-matcher.ts';

/** What `batchwatch watch` leaves out unless `--no-default-ignores`: VCS data and dependencies. */
export const DEFAULT_IGNORES: readonly string[] = Object.freeze(['.git', 'node_modules']);

/**
 * The CLI's ignore rules (the defaults unless turned off, then each `--ignore GLOB`) translated
 * into `fileSource`'s `ignored` globs, which its one matcher (`ignoreMatcher`) reads. A glob
 * without a `/` matches a name at any depth (`*.log`, `node_modules`), in both; one with a `/`
 * is relative to `cwd` for the CLI (as a shell user means it), to the watched root for the
 * source: it is made absolute here. A trailing `/` (`tmp/`) is dropped: an ignored directory is
 * left out with everything under it either way.
 */
export function ignoreGlobs(
  globs: readonly string[],
  defaults: boolean,
  cwd: string,
): readonly string[] {
  const all = [...(defaults ? DEFAULT_IGNORES : []), ...globs];
  return all.map((glob) => {
    const trimmed = glob.replace(/\/+$/, '');
    if (!trimmed.includes('/')) return trimmed;
    return isAbsolute(trimmed) ? trimmed : resolve(cwd, trimmed);
  });
}

/**
 * The same rules as one predicate, for the CLI's own walks (the tree count) and `keeping`: true
 * for a path the source's matcher leaves out, and for a path under such a directory (up to the
 * root it lies under), which the source never enters.
 */
export function ignoredUnder(
  globs: readonly string[],
  roots: readonly string[],
): (path: string) => boolean {
  if (globs.length === 0) return () => false;
  const matcher = rootsIgnoreMatcher(globs, roots);
  const stops = new Set(roots);
  return (path) => {
    for (let at = path; ; at = dirname(at)) {
      if (matcher.byPath(at)) return true;
      if (stops.has(at) || dirname(at) === at) return false;
    }
  };
}

/**
 * `ignored`, except for the paths in `kept` and the directories above them: a `--hold-while`
 * lock file (`.git/index.lock`) is watched although `.git` is left out, and nothing else of
 * `.git` is (what is under `.git` stays ignored, the lock aside).
 */
export function keeping(
  ignored: (path: string) => boolean,
  kept: readonly string[],
): (path: string) => boolean {
  if (kept.length === 0) return ignored;
  const spared = new Set<string>();
  for (const path of kept) {
    for (let at = path; !spared.has(at); at = dirname(at)) {
      spared.add(at);
      if (dirname(at) === at) break;
    }
  }
  return (path) => !spared.has(path) && ignored(path);
}
