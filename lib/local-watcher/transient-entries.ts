import { FileOp } from './rename-pairer.ts';
import type { TreeSink } from './tree-watcher.ts';

/**
 * Entries that an event announced but that were gone when the tree looked
 * (`lstat`): created and removed before the event was read, which happens
 * to every short-lived file while the main thread is busy (a GC, a loaded
 * machine) even if the watch thread read the events in time. A tree that
 * only compares the disk with what it knows reports nothing for them; with
 * the `transient` option (the daemon's, as fsnotify reports every inotify
 * event) each is reported as an add then an unlink, once a turn: the other
 * events of the same entry in that turn (its removal, a write) add nothing.
 */
export class TransientEntries {
  readonly #sink: TreeSink;
  /** Paths reported in this turn. */
  readonly #reported = new Set<string>();
  #turn: NodeJS.Immediate | null = null;

  constructor(sink: TreeSink) {
    this.#sink = sink;
  }

  /** An event named `path`, which is not there and was not known. */
  seen(path: string): void {
    if (this.#reported.has(path)) return;
    this.#reported.add(path);
    this.#turn ??= setImmediate(() => {
      this.#turn = null;
      this.#reported.clear();
    });
    // No identity: it was never read (so it pairs with no rename).
    this.#sink.changed(FileOp.Add, path, false, undefined, false);
    this.#sink.changed(FileOp.Unlink, path, false, undefined);
  }

  close(): void {
    if (this.#turn !== null) clearImmediate(this.#turn);
    this.#turn = null;
    this.#reported.clear();
  }
}
