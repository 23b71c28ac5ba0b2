import { describeCause as causeText, describe } from '../../describe.ts';
import { BatchwatchError } from '../../errors.ts';

/** Base class of what a poll source reports as a warning or fails with. */
export class PollError extends BatchwatchError {
  override readonly name: string = 'PollError';
  override readonly code: string = 'BATCHWATCH_POLL';
}

/**
 * The change feed sent a revision that is not a decimal string of digits.
 * Fatal: the source could no longer tell where it is in the feed.
 */
export class RevisionError extends PollError {
  override readonly name = 'RevisionError';
  override readonly code = 'BATCHWATCH_POLL_BAD_REVISION';
  /** Where it was: `currentRevision`, `compactRevision` or `events[<i>].revision`. */
  readonly field: string;
  /** The value that was sent. */
  readonly revision: unknown;

  constructor(field: string, revision: unknown) {
    super(
      `The change feed sent ${describe(revision)} as ${field}: a revision must be a decimal ` +
        'string of digits, like "42". Fix the fetch function (or the server) to pass revisions as strings.',
    );
    this.field = field;
    this.revision = revision;
  }
}

/**
 * The requested or current revision is older than the server's compaction
 * revision: the changes in between are gone. Fatal; the events of that
 * response were not delivered. Re-list the state, then poll again with
 * `startRevision: error.compactRevision`.
 */
export class CompactedError extends PollError {
  override readonly name = 'CompactedError';
  override readonly code = 'BATCHWATCH_POLL_COMPACTED';
  /** The revision asked after, or `null` for the first fetch of a source started "from now". */
  readonly requestedRevision: string | null;
  /** The server's current revision. */
  readonly currentRevision: string;
  /** The server's compaction revision: restart from it. */
  readonly compactRevision: string;

  constructor(requestedRevision: string | null, currentRevision: string, compactRevision: string) {
    const older =
      requestedRevision === null
        ? `the current revision ${currentRevision} is`
        : `revision ${requestedRevision} is`;
    super(
      `The change feed is compacted up to revision ${compactRevision} and ${older} older: ` +
        `changes were lost. Re-list, then restart with startRevision: "${compactRevision}".`,
    );
    this.requestedRevision = requestedRevision;
    this.currentRevision = currentRevision;
    this.compactRevision = compactRevision;
  }
}

/** One fetch of a poll source failed; it is retried after `delayMs`. A warning. */
export class PollFetchError extends PollError {
  override readonly name = 'PollFetchError';
  override readonly code = 'BATCHWATCH_POLL_FETCH_FAILED';
  /** Consecutive failures so far, from 1: the retry number that follows. */
  readonly attempt: number;
  /** The wait before the retry, in ms. */
  readonly delayMs: number;

  constructor(attempt: number, delayMs: number, cause: unknown) {
    super(
      `Fetching the change feed failed (${attempt} in a row): ${causeText(cause)}. ` +
        `Retrying in ${Math.round(delayMs)} ms.`,
      { cause },
    );
    this.attempt = attempt;
    this.delayMs = delayMs;
  }
}

/** `maxRetries + 1` fetches in a row failed (or the backoff gave up). Fatal. */
export class PollFailedError extends PollError {
  override readonly name = 'PollFailedError';
  override readonly code = 'BATCHWATCH_POLL_FAILED';
  /** Consecutive failed fetches. */
  readonly attempts: number;

  constructor(attempts: number, cause: unknown) {
    super(
      `Fetching the change feed failed ${attempts} time(s) in a row, the last with: ` +
        `${causeText(cause)}. Check the server, or raise maxRetries.`,
      { cause },
    );
    this.attempts = attempts;
  }
}

/** `toEvent` threw for a change. Fatal: skipping the change would lose it silently. */
export class PollMappingError extends PollError {
  override readonly name = 'PollMappingError';
  override readonly code = 'BATCHWATCH_POLL_MAPPING_FAILED';
  /** The revision of the change that could not be mapped; nothing from its response was delivered. */
  readonly revision: string;

  constructor(revision: string, cause: unknown) {
    super(
      `toEvent threw for the change at revision ${revision}: ${causeText(cause)}. ` +
        `Fix toEvent; restart with startRevision at the revision before it.`,
      { cause },
    );
    this.revision = revision;
  }
}
