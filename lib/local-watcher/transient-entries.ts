import { FileOp } from './rename-pairer.ts';
import type { TreeSink } from './tree-watcher.ts';

/** Short lives whose closing event is awaited, at most (the oldest are forgotten first). */
const MAX_OPEN = 10_000;

/**
 * Entries that an event announced but that were gone when the tree looked
 * (`lstat`): created and removed before the event was read, which happens
 * to every short-lived file while the main thread is busy (a GC, a loaded
 * machine) even if the watch thread read the events in time. A tree that
 * only compares the disk with what it knows reports nothing for them; with
 * the `transient` option (the daemon's, as fsnotify reports every inotify
 * event) each short life is reported once, as an add then an unlink.
 *
 * A short life brings one `rename` event when it begins (created, moved in),
 * maybe `change` events (written), and one `rename` when it ends (removed,
 * moved away): the life is reported at its first event and its other events
 * add nothing, however they are spread over the turns of the event loop (the
 * watch thread sends its events in groups, so the two ends of one life may
 * come in two groups). The next `rename` after that is a new life.
 */
export class TransientEntries {
  readonly #sink: TreeSink;
  /** Paths whose short life was reported and whose ending `rename` has not come yet. */
  readonly #open = new Set<string>();

  constructor(sink: TreeSink) {
    this.#sink = sink;
  }

  /** An event of `type` named `path`, which is not there and was not known. */
  seen(path: string, type: string): void {
    if (this.#open.has(path)) {
      if (type === 'rename') this.#open.delete(path);
      return;
    }
    // Its first event: a `rename` (a `change` first means its beginning was not seen: the life
    // still ends with a `rename`).
    if (this.#open.size >= MAX_OPEN) this.#open.delete(this.#open.values().next().value as string);
    this.#open.add(path);
    // No identity: it was never read (so it pairs with no rename).
    this.#sink.changed(FileOp.Add, path, false, undefined, false);
    this.#sink.changed(FileOp.Unlink, path, false, undefined);
  }

  /**
   * `path`, known, was found gone by an event other than its ending `rename`
   * (a write's): that `rename` is still to come and ends this life, not a new one.
   */
  ending(path: string): void {
    this.#open.add(path);
    if (this.#open.size > MAX_OPEN) this.#open.delete(this.#open.values().next().value as string);
  }

  /** Forgets the awaited endings below directory `dir` (gone: its entries' events will not come). */
  forgetBelow(dir: string): void {
    if (this.#open.size === 0) return;
    const prefix = `${dir}/`;
    for (const path of this.#open) if (path.startsWith(prefix)) this.#open.delete(path);
  }

  /** `path` is there: a short life of it that was reported has ended (its ending event is old). */
  exists(path: string): void {
    if (this.#open.size > 0) this.#open.delete(path);
  }

  close(): void {
    this.#open.clear();
  }
}
