import { describe, describeCause } from './describe.ts';

/** Base class of every error batchwatch throws or reports. `code` is stable; messages may change. */
export class BatchwatchError extends Error {
  override readonly name: string = 'BatchwatchError';
  readonly code: string = 'BATCHWATCH_ERROR';
}

/** An option is missing, out of range or contradicts another. `option` names it. */
export class OptionsError extends BatchwatchError {
  override readonly name = 'OptionsError';
  override readonly code = 'BATCHWATCH_BAD_OPTION';
  /** The option's name, as written in the options object (`flushInterval`, `retry.max`). */
  readonly option: string;
  /** The value that was given. */
  readonly value: unknown;

  constructor(option: string, value: unknown, expected: string) {
    super(`Bad option ${option}: expected ${expected}, got ${describe(value)}.`);
    this.option = option;
    this.value = value;
  }

  /** An option that does not exist, most likely a misspelling. */
  static unknown(option: string, value: unknown, known: readonly string[]): OptionsError {
    const error = new OptionsError(option, value, '');
    error.message = `Unknown option ${option}: the options are ${known.join(', ')}.`;
    return error;
  }
}

/**
 * Base class of what an `EventQueue` reports to `onError`. Its own classes
 * live in `lib/queue/queue-errors.ts`; `SourceError` stays here with it.
 */
export class QueueError extends BatchwatchError {
  override readonly name: string = 'QueueError';
  override readonly code: string = 'BATCHWATCH_QUEUE';
}

/** A source passed to `queue.start()` errored; that source has ended, the others go on. */
export class SourceError extends QueueError {
  override readonly name = 'SourceError';
  override readonly code = 'BATCHWATCH_SOURCE_FAILED';
  /** The source's position among all sources ever started on the queue, from 0. */
  readonly sourceIndex: number;

  constructor(sourceIndex: number, cause: unknown) {
    super(`Source #${sourceIndex} failed and was unsubscribed: ${causeText(cause)}`, { cause });
    this.sourceIndex = sourceIndex;
  }
}

/** Kept as the name the messages below use; safe for any value (see `describeCause`). */
const causeText = describeCause;

/**
 * User code (`onError`, a warning listener, a collector) threw while
 * batchwatch was reporting or recovering from something else. There is no
 * one left to report it to, so it is thrown asynchronously, saying what threw
 * and what it was handling. `cause` is what it threw (possibly `null`).
 */
export class CallbackError extends BatchwatchError {
  override readonly name = 'CallbackError';
  override readonly code = 'BATCHWATCH_CALLBACK_THREW';
  /** The callback that threw: `onError`, `collect`... */
  readonly callback: string;
  /** What it was called with, when there was something. */
  readonly handling: unknown;

  constructor(callback: string, cause: unknown, handling?: unknown) {
    const about = handling === undefined ? '' : ` while handling ${describe(handling)}`;
    super(
      `${callback} threw ${describe(cause)}${about}. Make ${callback} catch its own errors: ` +
        'it is the last place errors are reported to.',
      { cause },
    );
    this.callback = callback;
    this.handling = handling;
  }
}

/** Base class of what the JFS codec, client and watchers report. */
export class JfsError extends BatchwatchError {
  override readonly name: string = 'JfsError';
  override readonly code: string = 'BATCHWATCH_JFS';
}

/** Base class of what the JFS proxy and daemon report. */
export class JfsServerError extends BatchwatchError {
  override readonly name: string = 'JfsServerError';
  override readonly code: string = 'BATCHWATCH_JFS_SERVER';
}
