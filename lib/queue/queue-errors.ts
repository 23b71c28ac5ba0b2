// The errors the queue raises: a batch that could not be flushed, a closed queue, refused events.
// Their base, QueueError, stays in lib/errors.ts with SourceError (which extends it and is kept
// there as a shared base, so errors.ts never imports from a layer).
import { describeCause } from '../describe.ts';
import { QueueError } from '../errors.ts';
import type { Event } from '../events/event.ts';

/** Kept as the name the messages below use; safe for any value (see `describeCause`). */
const causeText = describeCause;

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

/**
 * A source given to `queue.start()` reported a warning (a reconnect, a dropped
 * malformed line) and goes on. Sent to `onError` when the queue has no
 * `onWarning`, so that no warning goes unseen (GoDoxy's error channel).
 */
export class SourceWarning extends QueueError {
  override readonly name = 'SourceWarning';
  override readonly code = 'BATCHWATCH_SOURCE_WARNING';
  /** The source's position among all sources ever started on the queue, from 0. */
  readonly sourceIndex: number;
  /** What the source reported on its `warnings$` (also `cause`). */
  readonly warning: unknown;

  constructor(sourceIndex: number, warning: unknown) {
    super(`Source #${sourceIndex} warned (it goes on): ${causeText(warning)}`, { cause: warning });
    this.sourceIndex = sourceIndex;
    this.warning = warning;
  }
}
