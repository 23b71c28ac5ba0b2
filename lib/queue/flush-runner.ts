import createDebug from 'debug';
import type { Unsubscribable } from 'rxjs';
import { describe } from '../describe.ts';
import type { Event } from '../events/event.ts';
import { RetryLoop } from '../retry-loop.ts';
import { settle } from '../settle.ts';
import type { ResolvedEventQueueOptions } from './event-queue-options.ts';
import type { Taken } from './pending-buffer.ts';
import type { QueueCounters } from './queue-counters.ts';
import { FlushError } from './queue-errors.ts';
import type { QueueReporter } from './queue-reporter.ts';

const log = createDebug('batchwatch:queue');

/** What a {@link FlushRunner} tells its queue. Called synchronously; must not throw. */
export interface FlushRunnerOutput {
  /** `onFlush` handled the batch. */
  flushed(events: readonly Event[]): void;
  /**
   * A retry is due: put the batch back in front of the newer events. False
   * when nothing is left of it (coalescing cancelled it out against them).
   */
  requeue(taken: Taken): boolean;
  /** The runner is free: a batch was flushed, dead-lettered or put back for its retry. */
  idle(): void;
}

/**
 * Runs one batch at a time through `onFlush` (sync, promise or Observable,
 * whatever it throws), counts the outcome, retries a failed batch on the
 * shared {@link RetryLoop} (`maxRetries`, `retry`) and reports
 * the last failure once, as a `FlushError` carrying the batch (a dead letter).
 */
export class FlushRunner {
  readonly #onFlush: ResolvedEventQueueOptions['onFlush'];
  readonly #counters: QueueCounters;
  readonly #report: QueueReporter;
  readonly #output: FlushRunnerOutput;
  /** Counts the failed tries of the batch in flight; runs its retry timer. */
  readonly #retries: RetryLoop;
  /** The batch being flushed, or waiting for its retry. */
  #inFlight: Taken | null = null;
  /** The running Observable flush (cancelled by `cancel()`). */
  #work: Unsubscribable | null = null;
  #cancelled = false;

  constructor(
    options: ResolvedEventQueueOptions,
    counters: QueueCounters,
    report: QueueReporter,
    output: FlushRunnerOutput,
  ) {
    this.#onFlush = options.onFlush;
    this.#counters = counters;
    this.#report = report;
    this.#output = output;
    const { retry, scheduler } = options;
    const { backoff: policy, maxRetries } = retry;
    this.#retries = new RetryLoop({ policy, option: 'retry', scheduler, maxRetries });
  }

  /** The batch being flushed or waiting for its retry, if any. */
  get inFlight(): Taken | null {
    return this.#inFlight;
  }

  /** Hands `taken` to `onFlush`. The caller runs one batch at a time. */
  run(taken: Taken): void {
    this.#inFlight = taken;
    log('flush: %d event(s), try %d', taken.events.length, this.#retries.failures + 1);
    const onFlush = this.#onFlush;
    if (onFlush === null) {
      this.#succeeded(taken);
      return;
    }
    // settle() survives whatever onFlush throws, rejects, errors or returns, and answers once.
    const work = settle(
      () => onFlush(taken.events),
      (outcome) => {
        this.#work = null;
        if (outcome.ok) this.#succeeded(taken);
        else this.#failed(taken, outcome.cause);
      },
    );
    if (work !== null) this.#work = work;
  }

  /**
   * Stops for good: an Observable flush is unsubscribed and a waiting retry
   * dropped, their events counted as dropped. A running promise cannot be
   * cancelled: it finishes, and if it fails it is reported, never retried.
   */
  cancel(): void {
    this.#cancelled = true;
    if ((this.#work !== null || this.#retries.pending) && this.#inFlight !== null) {
      this.#counters.discarded(this.#inFlight.events);
      this.#inFlight = null;
    }
    this.#work?.unsubscribe();
    this.#work = null;
    this.#retries.cancel();
  }

  #succeeded(taken: Taken): void {
    if (this.#inFlight !== taken) return; // cancelled meanwhile
    this.#inFlight = null;
    this.#retries.succeeded();
    this.#counters.flushed(taken.events);
    this.#output.flushed(taken.events);
    this.#output.idle();
  }

  #failed(taken: Taken, cause: unknown): void {
    if (this.#cancelled) {
      // cancel() came while this flush ran: no retry, nothing left to release; report it once.
      if (this.#inFlight === taken) this.#inFlight = null;
      this.#deadLetter(taken, this.#retries.failures + 1, cause);
      return;
    }
    // The backoff is user code: the loop asks it safely and caps what it answers.
    const step = this.#retries.failed(() => {
      this.#inFlight = null;
      // Cancelled out against newer events: nothing carries this batch's count of failed tries.
      if (!this.#output.requeue(taken)) this.#retries.succeeded();
      this.#output.idle();
    });
    if (!step.retry) {
      if (step.cause !== undefined) log('retry policy failed: %s', describe(step.cause));
      this.#retries.succeeded(); // done with this batch: the next one starts its count afresh
      this.#inFlight = null;
      this.#deadLetter(taken, step.attempt, cause);
      this.#output.idle();
      return;
    }
    this.#counters.retried();
    log('flush failed (try %d), retrying in %d ms: %s', step.attempt, step.delay, describe(cause));
  }

  #deadLetter(taken: Taken, tries: number, cause: unknown): void {
    this.#counters.deadLettered(taken.events);
    this.#report.error(new FlushError(taken.events, tries, cause));
  }
}
