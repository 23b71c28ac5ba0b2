import { BatchwatchError } from '../../errors.ts';

/**
 * A watched directory (or the directory of watched single files) was
 * deleted or moved away. Its entries and itself are reported deleted; it is
 * watched again when it comes back. The source's status is `reconnecting`
 * with this error while it is gone.
 */
export class FileRootGoneError extends BatchwatchError {
  override readonly name = 'FileRootGoneError';
  override readonly code = 'BATCHWATCH_FILE_ROOT_GONE';
  /** The watched directory that is gone. */
  readonly path: string;

  constructor(path: string) {
    super(
      `The watched directory ${path} is gone (deleted or moved): its entries were reported ` +
        'deleted, and it will be watched again, with everything in it reported created, when it ' +
        'comes back. Nothing to do unless it should not have gone.',
    );
    this.path = path;
  }
}
