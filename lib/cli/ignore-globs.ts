import { createRequire } from 'node:module';
import { dirname, isAbsolute, resolve } from 'node:path';

/** What `batchwatch watch` leaves out unless `--no-default-ignores`: VCS data and dependencies. */
export const DEFAULT_IGNORES: readonly string[] = Object.freeze(['.git', 'node_modules']);

/** picomatch's compiled matcher, typed as narrowly as we use it (it ships no types). */
type Picomatch = (
  globs: readonly string[],
  options: { readonly dot: boolean; readonly windows: boolean },
) => (path: string) => boolean;

/**
 * The CLI's ignore rules (the defaults unless turned off, then each `--ignore GLOB`) as absolute
 * globs, as `fileSource`'s `ignored` takes them. As in `.gitignore`, a glob without a `/` matches
 * a name at any depth (`*.log`, `node_modules`); one with a `/` is relative to `cwd` unless
 * absolute. What a glob matches is left out with everything under it.
 */
export function ignoreGlobs(
  globs: readonly string[],
  defaults: boolean,
  cwd: string,
): readonly string[] {
  const all = [...(defaults ? DEFAULT_IGNORES : []), ...globs];
  return all.map((glob) => {
    const trimmed = glob.replace(/\/+$/, '');
    if (!trimmed.includes('/')) return `**/${trimmed}`;
    return isAbsolute(trimmed) ? trimmed : resolve(cwd, trimmed);
  });
}

/**
 * One predicate for absolute globs: true for a path a glob matches and for everything under it.
 * Built with picomatch (what chokidar's ecosystem uses), loaded only when there is a glob.
 */
export function globMatcher(globs: readonly string[]): (path: string) => boolean {
  if (globs.length === 0) return () => false;
  const picomatch = createRequire(import.meta.url)('picomatch') as Picomatch;
  const patterns = globs.flatMap((glob) => [glob, `${glob}/**`]);
  // dot: `**` crosses dot directories too (a checkout under ~/.cache); posix separators only.
  return picomatch(patterns, { dot: true, windows: false });
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
