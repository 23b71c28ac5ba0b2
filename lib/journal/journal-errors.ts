import { describeCause } from '../describe.ts';
import { QueueError } from '../errors.ts';

/** Base class of what a journal reports or throws. */
export class JournalError extends QueueError {
  override readonly name: string = 'JournalError';
  override readonly code: string = 'BATCHWATCH_JOURNAL';
}

/**
 * A stored record could not be decoded (an unknown format version, a damaged
 * row, a shape that is not an event). The record is set aside, kept in the
 * journal for inspection, never dropped silently and never fatal: the queue
 * reports it and goes on with the next record.
 */
export class JournalRecordError extends JournalError {
  override readonly name = 'JournalRecordError';
  override readonly code = 'BATCHWATCH_JOURNAL_RECORD';
  /** The record's position in the journal. */
  readonly position: number;
  /** The record as stored. */
  readonly record: string;

  constructor(position: number, record: string, reason: string) {
    super(
      `Journal record #${position} could not be decoded (${reason}); it was set aside and kept. ` +
        'Inspect it with `batchwatch journal --state-dir DIR`, or delete the set-aside row once handled.',
    );
    this.position = position;
    this.record = record;
  }
}

/** The journal could not be opened, written or read (a full disk, a locked or damaged file). */
export class JournalIoError extends JournalError {
  override readonly name = 'JournalIoError';
  override readonly code = 'BATCHWATCH_JOURNAL_IO';
  /** What was being done: `open`, `commit`, `acknowledge`... */
  readonly operation: string;

  constructor(operation: string, cause: unknown) {
    super(`The journal failed to ${operation}: ${describeCause(cause)}`, { cause });
    this.operation = operation;
  }
}

/** The journal was used after `close()`. */
export class JournalClosedError extends JournalError {
  override readonly name = 'JournalClosedError';
  override readonly code = 'BATCHWATCH_JOURNAL_CLOSED';

  constructor(what: string) {
    super(`The journal is closed: ${what}. Open a new one.`);
  }
}

/**
 * A journal over the network holds `limit` events not yet written (its server
 * is away or refuses writes): the event was not appended. Nothing already
 * appended is lost; the journal commits it once the server accepts writes.
 */
export class JournalFullError extends JournalError {
  override readonly name = 'JournalFullError';
  override readonly code = 'BATCHWATCH_JOURNAL_FULL';
  /** How many events wait to be written (the `maxPending` option). */
  readonly limit: number;

  constructor(limit: number) {
    super(
      `The journal holds ${limit} events Redis has not accepted yet (maxPending): this event was not appended. ` +
        'Check that Redis is up and accepts writes, or raise maxPending.',
    );
    this.limit = limit;
  }
}
