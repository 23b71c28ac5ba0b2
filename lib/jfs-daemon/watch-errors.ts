// The warnings a daemon raises about what it was asked to watch (JfsServerError, their base, stays
// in lib/errors.ts).
import { JfsServerError } from '../errors.ts';

/**
 * A registry entry in Redis that the daemon does not follow: a set with no
 * TTL (a lease that never expires is not one a proxy writes), or one holding
 * more paths, or longer ones, than the daemon reads. A warning.
 */
export class RegistryEntryError extends JfsServerError {
  override readonly name = 'RegistryEntryError';
  override readonly code = 'BATCHWATCH_JFS_REGISTRY_ENTRY';
  /** The Redis key. */
  readonly key: string;

  constructor(key: string, problem: string) {
    super(
      `Registry entry ${JSON.stringify(key)} ignored: ${problem}. Proxies write their entries with a TTL and renew them; delete the key if no proxy wrote it.`,
    );
    this.key = key;
  }
}

/**
 * A path the daemon was asked to watch (an argument, a registry entry, an
 * FSWatcher) that is not inside its roots once resolved, or leads out of
 * them through a symbolic link: it is not watched. A warning.
 */
export class RefusedPathError extends JfsServerError {
  override readonly name = 'RefusedPathError';
  override readonly code = 'BATCHWATCH_JFS_REFUSED_PATH';
  /** The path as asked for. */
  readonly path: string;

  constructor(path: string, reason: string) {
    super(
      `Not watching ${JSON.stringify(path)}: ${reason}. Add a --root (roots) that holds it if it should be watched.`,
    );
    this.path = path;
  }
}
