import { readFileSync, statSync } from 'node:fs';

/** Targets larger than this are compared by identity, size and time only, not by content. */
const MAX_HASHED_BYTES = 1024 * 1024;
/** How long after seeing a target empty it is looked at again (the tree holds empty files as long). */
const EMPTY_RECHECK_MS = 50;

/** What a symbolic link leads to: its target's identity and, for a small file, its content. */
interface LinkTarget<E> {
  /** What the tree keeps for the link itself (updated when the target's change is reported). */
  readonly entry: E;
  /** Device, inode, size and modification time of the final target; `null` when dangling. */
  readonly signature: string | null;
  /** A digest of the target's content, for a regular file of at most 1 MiB; else `null`. */
  readonly digest: string | null;
  /** Whether the target is an empty regular file. */
  readonly empty: boolean;
}

/**
 * The symbolic links of a watched tree and what each leads to, so that a
 * link whose target is swapped is reported as written even though the link
 * itself did not change: a Kubernetes ConfigMap key (`config.yaml ->
 * ..data/config.yaml`, where the kubelet renames a new `..data` link over
 * the old one), a `current -> releases/N` deploy seen through a link to a
 * link. Checked again, all at once, after a change that can move where a
 * path leads (a directory or link added, removed or replaced); a target
 * whose content is unchanged (same digest) is not reported.
 */
export class LinkTargets<E> {
  readonly #links = new Map<string, LinkTarget<E>>();
  readonly #written: (path: string, entry: E) => void;
  #pending: NodeJS.Immediate | null = null;
  /** A check again after a target was seen empty, as a write that truncates first leaves it. */
  #again: NodeJS.Timeout | null = null;

  /** @param written Receives each link whose target now has other content, with its entry. */
  constructor(written: (path: string, entry: E) => void) {
    this.#written = written;
  }

  /** How many links are followed. */
  get size(): number {
    return this.#links.size;
  }

  /** Follows the link at `path` from now on (again, if it was replaced: no report). */
  track(path: string, entry: E): void {
    this.#links.set(path, { entry, ...targetOf(path) });
  }

  /** Stops following `path` (it is gone, or no longer a link). */
  forget(path: string): void {
    this.#links.delete(path);
  }

  /** Something that can change where links lead happened: check them all once this turn ends. */
  changed(): void {
    if (this.#links.size === 0 || this.#pending !== null) return;
    // After the turn's other events: the kubelet's rename and removals land together.
    this.#pending = setImmediate(() => {
      this.#pending = null;
      this.check();
    });
  }

  /** Compares every link's target with what it was and reports those whose content differs. */
  check(): void {
    for (const [path, before] of this.#links) {
      const now = targetOf(path);
      if (now.signature === before.signature) continue;
      if (now.empty && before.digest !== null && !before.empty) {
        // Most likely truncated for a write still under way: look again once it has landed.
        this.#again ??= setTimeout(() => {
          this.#again = null;
          this.check();
        }, EMPTY_RECHECK_MS);
        continue;
      }
      this.#links.set(path, { entry: before.entry, ...now });
      if (now.digest !== null && now.digest === before.digest) continue;
      this.#written(path, before.entry);
    }
  }

  close(): void {
    if (this.#pending !== null) clearImmediate(this.#pending);
    this.#pending = null;
    if (this.#again !== null) clearTimeout(this.#again);
    this.#again = null;
    this.#links.clear();
  }
}

function targetOf(path: string): Omit<LinkTarget<unknown>, 'entry'> {
  try {
    const stats = statSync(path, { throwIfNoEntry: false });
    if (stats === undefined) return { signature: null, digest: null, empty: false };
    const signature = `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}`;
    const empty = stats.isFile() && stats.size === 0;
    if (!stats.isFile() || stats.size > MAX_HASHED_BYTES) return { signature, digest: null, empty };
    // node:crypto when first needed, not at import (about 10 ms of the package's import).
    const { createHash } = process.getBuiltinModule('node:crypto');
    const digest = createHash('sha1').update(readFileSync(path)).digest('base64');
    return { signature, digest, empty };
  } catch {
    // A loop of links, or an unreadable target: it leads nowhere we can see.
    return { signature: null, digest: null, empty: false };
  }
}
