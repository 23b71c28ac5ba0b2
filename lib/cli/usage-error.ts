import { BatchwatchError } from '../errors.ts';

/** The command line is wrong: the CLI prints the message on one line and exits 2. */
export class UsageError extends BatchwatchError {
  override readonly name = 'UsageError';
  override readonly code = 'BATCHWATCH_USAGE';
}
