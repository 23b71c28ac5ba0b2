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
