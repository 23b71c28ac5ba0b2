import { realpath } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';

/** Why a path may or may not be watched: `null` when it may. */
export type PathRefusal = string | null;

/** A root as configured, and where it really is. */
interface Root {
  readonly given: string;
  readonly real: string;
}

/** True when `path` is `root` or below it. */
function inside(path: string, root: string): boolean {
  return path === root || path.startsWith(root === sep ? root : `${root}${sep}`);
}

/**
 * Where `path` really is: its realpath, or, for a path that does not exist
 * (yet), the realpath of its deepest existing ancestor joined with the rest,
 * so that a path created later is judged by where it would be.
 */
async function realLocation(path: string): Promise<string> {
  let existing = path;
  const rest: string[] = [];
  for (;;) {
    try {
      return join(await realpath(existing), ...rest.reverse());
    } catch {
      const parent = dirname(existing);
      if (parent === existing) return path;
      rest.push(existing.slice(parent === sep ? 1 : parent.length + 1));
      existing = parent;
    }
  }
}

/**
 * The directories a daemon may watch in (`--root`, the `roots` option):
 * every path it is asked to watch, whoever asks (an argument, a proxy's
 * registry entry, an FSWatcher), is checked here first. A path may be
 * watched when it lies inside a root once `..` is resolved, and its real
 * location (symbolic links resolved) is the same place below that root's own
 * real location: a symbolic link below a root (inside a pod's hostPath) is
 * never followed, wherever it points, so that a client cannot be served
 * events from outside its mount. Links above a root (the root itself a link)
 * are fine. No roots means `/`: any path, still without links.
 *
 * @example
 * const roots = new AllowedRoots(['/var/lib/kubelet/pods']);
 * await roots.check('/etc'); // 'it is not inside a root (/var/lib/kubelet/pods)'
 */
export class AllowedRoots {
  /** The roots as configured (normalized). */
  readonly given: readonly string[];
  readonly #roots: Promise<readonly Root[]>;

  /** @param roots absolute directories; none means `/`. */
  constructor(roots: readonly string[]) {
    this.given = roots.length === 0 ? [sep] : roots.map((root) => resolve(root));
    this.#roots = Promise.all(
      this.given.map(async (given) => ({ given, real: await realLocation(given) })),
    );
  }

  /** `null` when `path` may be watched, else why not (for a warning). */
  async check(path: string): Promise<PathRefusal> {
    if (typeof path !== 'string' || !isAbsolute(path) || path.includes('\0')) {
      return 'it is not an absolute path';
    }
    const normal = resolve(path);
    const roots = await this.#roots;
    // The deepest root holding the path decides (roots may nest).
    let root: Root | undefined;
    for (const candidate of roots) {
      if (inside(normal, candidate.given) && candidate.given.length > (root?.given.length ?? -1)) {
        root = candidate;
      }
    }
    if (root === undefined) {
      return `it is not inside a root (${this.given.join(', ')})`;
    }
    const real = await realLocation(normal);
    const below = normal.slice(root.given.length).replace(/^\//, '');
    const expected = below === '' ? root.real : join(root.real, below);
    if (real !== expected) {
      return `a symbolic link below the root ${root.given} leads to ${real}`;
    }
    return null;
  }
}
