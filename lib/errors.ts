import type { Event } from './events/event.ts';

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

/** Base class of what an {@link EventQueue} reports to `onError`. */
export class QueueError extends BatchwatchError {
  override readonly name: string = 'QueueError';
  override readonly code: string = 'BATCHWATCH_QUEUE';
}

/**
 * `onFlush` threw, rejected or errored for a batch, on every try. The batch is
 * attached: with `retry` configured this is the dead letter.
 */
export class FlushError extends QueueError {
  override readonly name = 'FlushError';
  override readonly code = 'BATCHWATCH_FLUSH_FAILED';
  /** The events that could not be delivered. */
  readonly batch: readonly Event[];
  /** How many times delivery was tried (1 + retries). */
  readonly attempts: number;

  constructor(batch: readonly Event[], attempts: number, cause: unknown) {
    const tries = attempts === 1 ? 'once' : `${attempts} times`;
    super(
      `onFlush failed for a batch of ${batch.length} event(s) (tried ${tries}): ${causeText(cause)}`,
      { cause },
    );
    this.batch = batch;
    this.attempts = attempts;
  }
}

/** The queue was stopped: `sync()` can no longer be satisfied, or `start()` was called too late. */
export class QueueClosedError extends QueueError {
  override readonly name = 'QueueClosedError';
  override readonly code = 'BATCHWATCH_QUEUE_CLOSED';

  constructor(what: string) {
    super(`The queue is stopped: ${what}.`);
  }
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

/** The queue held `capacity` pending events and the `overflow` policy is `'error'`: events were refused. */
export class OverflowError extends QueueError {
  override readonly name = 'OverflowError';
  override readonly code = 'BATCHWATCH_QUEUE_FULL';
  readonly capacity: number;

  constructor(capacity: number) {
    super(
      `The queue is full (capacity ${capacity}): new events are refused until the next flush. ` +
        'Raise capacity, flush more often, or choose another overflow policy.',
    );
    this.capacity = capacity;
  }
}

function causeText(cause: unknown): string {
  return cause instanceof Error ? cause.message : describe(cause);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || typeof value !== 'object') return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
