import type { CheckpointStore } from '../../journal/checkpoint-store.ts';
import { LiveSnapshot } from './live-snapshot.ts';
import {
  changesName,
  decodeChanges,
  encodeChanges,
  snapshotFingerprint,
} from './snapshot-changes.ts';
import { SnapshotColumns } from './snapshot-columns.ts';
import { snapshotOf, type TreeSnapshot } from './tree-snapshot.ts';

/**
 * Changes saved beside a snapshot of `entries` entries, at most, before the
 * whole snapshot is saved again: each save writes all of them, a whole one
 * costs about as much as `entries` of them, so about the square root of
 * twice that costs least per change.
 */
function changesLimit(entries: number): number {
  return Math.max(64, Math.ceil(Math.sqrt(2 * entries)));
}

/**
 * A file source's tree snapshot in a checkpoint store: the whole snapshot
 * under its name, and the changes since it under `<name>:changes`, so that a
 * save while watching costs what changed, not the tree (a whole snapshot of
 * 100,000 entries takes 110-140 ms to encode). The whole snapshot is saved
 * again when the changes grow (see {@link changesLimit}) and on close.
 */
export class StoredSnapshot {
  readonly #store: CheckpointStore;
  readonly #name: string;
  /**
   * The fingerprint of the saved snapshot the live one's columns are (see
   * `snapshotFingerprint`). Null: not saved as they are (a first start, or
   * changes read back): the next save writes the whole snapshot.
   */
  #base: string | null = null;
  #baseEntries = 0;
  /** Whether changes may be saved beside it (to clear when the whole snapshot is saved). */
  #changesSaved = false;
  /** Why changes saved beside the snapshot were left aside when it was read, if they were. */
  leftAside: string | null = null;

  constructor(store: CheckpointStore, name: string) {
    this.#store = store;
    this.#name = name;
  }

  /**
   * The saved snapshot with the changes saved since applied: undefined when
   * none was saved, null when it cannot be read. Changes that belong to an
   * older snapshot, or are corrupt, are left aside: the snapshot alone is
   * older than what the source delivered, so changes are reported again on a
   * restart, none missed.
   * @throws what the store throws.
   */
  read(): SnapshotColumns | null | undefined {
    const text = this.#store.checkpoint(this.#name);
    if (text === undefined) {
      // Changes without their snapshot (a store edited by hand): cleared by the first save.
      const changes = this.#store.checkpoint(changesName(this.#name));
      this.#changesSaved = changes !== undefined && changes !== '';
      return undefined;
    }
    const saved = SnapshotColumns.decode(text);
    if (saved === null) {
      // Whatever was saved beside it goes when a snapshot is saved again.
      this.#changesSaved = true;
      return null;
    }
    const fingerprint = snapshotFingerprint(text);
    const changesText = this.#store.checkpoint(changesName(this.#name));
    this.#changesSaved = changesText !== undefined && changesText !== '';
    const changes = this.#changesSaved
      ? decodeChanges(changesText as string, fingerprint, saved.length)
      : null;
    if (changes === null || changes === 'stale') {
      this.#base = fingerprint;
      this.#baseEntries = saved.length;
      if (changes === 'stale') this.leftAside = 'saved for another snapshot';
      else if (this.#changesSaved) this.leftAside = 'unreadable';
      return saved;
    }
    // Not saved as they are: the first save writes the whole snapshot (and clears these).
    return LiveSnapshot.of(saved, changes).columns();
  }

  /**
   * Saves the changes since the saved snapshot while they are few, else (or
   * when `whole`) the whole snapshot. @throws what the store throws.
   */
  save(snapshot: LiveSnapshot, whole: boolean): void {
    const base = this.#base;
    if (base !== null && snapshot.pending === 0) {
      // As saved: only changes left beside it, if any, are cleared.
      this.#clearChanges();
    } else if (base !== null && !whole && snapshot.pending <= changesLimit(this.#baseEntries)) {
      this.#store.setCheckpoint(
        changesName(this.#name),
        encodeChanges(base, snapshot.changesSince()),
      );
      this.#changesSaved = true;
    } else {
      // Until the whole snapshot is written, the next save writes it again (this one may fail).
      this.#base = null;
      // Cleared first: a crash between the two writes leaves the snapshot before, alone (older
      // than what was delivered: changes reported again, none missed), never changes beside a
      // snapshot they were not saved for.
      this.#clearChanges();
      const text = snapshot.encode(true);
      this.#store.setCheckpoint(this.#name, text);
      this.#base = snapshotFingerprint(text);
      this.#baseEntries = snapshot.baseLength;
    }
  }

  #clearChanges(): void {
    if (this.#changesSaved) this.#store.setCheckpoint(changesName(this.#name), '');
    this.#changesSaved = false;
  }
}

/**
 * The tree snapshot saved under `name`, as a restart reads it (the changes
 * saved beside it applied), by path: undefined when none was saved, null
 * when it cannot be read. For tools and tests; the file source reads columns.
 */
export function readTreeSnapshot(
  store: Pick<CheckpointStore, 'checkpoint'>,
  name: string,
): TreeSnapshot | null | undefined {
  const reader = { checkpoint: (key: string) => store.checkpoint(key), setCheckpoint: () => {} };
  const columns = new StoredSnapshot(reader, name).read();
  return columns === null || columns === undefined ? columns : snapshotOf(columns);
}
