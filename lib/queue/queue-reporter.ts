import createDebug from 'debug';
import type { SchedulerLike } from 'rxjs';
import { describe } from '../describe.ts';
import { BatchwatchError, CallbackError, type QueueError } from '../errors.ts';
import type { QueueCounters } from './queue-counters.ts';
import { SourceWarning } from './queue-errors.ts';

const log = createDebug('batchwatch:queue');

/** What a {@link QueueReporter} needs from the queue's options. */
export interface QueueReporterOptions {
  readonly onError: (error: QueueError) => void;
  readonly onWarning: ((warning: BatchwatchError, sourceIndex: number) => void) | null;
  readonly debug: boolean;
  readonly scheduler: SchedulerLike;
}

/**
 * Where a queue's failures and its sources' warnings go: `onError` (counted
 * in `stats().errors`), `onWarning`, or `onError` as a `SourceWarning` when
 * there is no `onWarning`. A callback that throws has no one left to tell: a
 * `CallbackError` is thrown asynchronously, on the scheduler, so that it
 * crashes loudly instead of vanishing. In debug mode every reported error is
 * also re-thrown that way (warnings are not).
 */
export class QueueReporter {
  readonly #options: QueueReporterOptions;
  readonly #counters: QueueCounters;

  constructor(options: QueueReporterOptions, counters: QueueCounters) {
    this.#options = options;
    this.#counters = counters;
  }

  /** Reports a failure to `onError`. */
  error(error: QueueError): void {
    this.#counters.reported();
    log('%s: %s', error.name, error.message);
    this.#call('onError', this.#options.onError, error);
    if (this.#options.debug) this.#rethrow(error);
  }

  /** Passes on a warning of the source at `sourceIndex`. */
  warning(sourceIndex: number, warning: unknown): void {
    const onWarning = this.#options.onWarning;
    if (onWarning === null) {
      this.#counters.reported();
      const error = new SourceWarning(sourceIndex, warning);
      log('%s: %s', error.name, error.message);
      this.#call('onError', this.#options.onError, error);
      return;
    }
    log('source #%d warned: %s', sourceIndex, describe(warning));
    // Typed for the listener: a foreign source's warning that is not one of ours comes wrapped.
    const typed =
      warning instanceof BatchwatchError ? warning : new SourceWarning(sourceIndex, warning);
    try {
      onWarning(typed, sourceIndex);
    } catch (err) {
      this.#rethrow(new CallbackError('onWarning', err, warning));
    }
  }

  #call(name: string, callback: (error: QueueError) => void, error: QueueError): void {
    try {
      callback(error);
    } catch (err) {
      this.#rethrow(new CallbackError(name, err, error));
    }
  }

  #rethrow(error: unknown): void {
    this.#options.scheduler.schedule(() => {
      throw error;
    });
  }
}
