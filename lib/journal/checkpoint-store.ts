import { OptionsError } from '../errors.ts';

/**
 * Where a source keeps its position so that it resumes after a restart (a
 * Docker event time, a poll feed's revision, a tree snapshot). Every
 * `Journal` is one: a checkpoint saved there is committed together with the
 * events appended before it, so a source never resumes past an event the
 * journal does not hold.
 */
export interface CheckpointStore {
  /** The checkpoint saved under `name`, or `undefined`. */
  checkpoint(name: string): string | undefined;
  /** Saves a checkpoint, durable with the next commit. */
  setCheckpoint(name: string, value: string): void;
}

/** Validates a `checkpoint` option (a journal, or any {@link CheckpointStore}); `undefined`: none. */
export function resolveCheckpointStore(option: string, store: unknown): CheckpointStore | null {
  if (store === undefined) return null;
  const candidate = store as Partial<CheckpointStore> | null;
  if (
    typeof candidate?.checkpoint !== 'function' ||
    typeof candidate.setCheckpoint !== 'function'
  ) {
    throw new OptionsError(option, store, 'a CheckpointStore (a journal)');
  }
  return candidate as CheckpointStore;
}

/**
 * Validates a checkpoint's name option. Names ending in `:changes` are kept
 * for the changes a file source saves beside its snapshot (`<name>:changes`).
 */
export function resolveCheckpointName(option: string, name: unknown): string {
  if (typeof name !== 'string' || name === '' || name.endsWith(':changes')) {
    throw new OptionsError(option, name, "a non-empty string not ending in ':changes'");
  }
  return name;
}
