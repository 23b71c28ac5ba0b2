import createDebug from 'debug';
import { type Observable, Subject, Subscription, type Unsubscribable } from 'rxjs';
import { describe } from '../describe.ts';
import { SourceError } from '../errors.ts';
import type { Event } from '../events/event.ts';
import { RetryLoop } from '../retry-loop.ts';
import { settle } from '../settle.ts';
import { Batcher } from './batcher.ts';
import {
  type EventQueueOptions,
  type ResolvedEventQueueOptions,
  resolveEventQueueOptions,
} from './event-queue-options.ts';
import type { Taken } from './pending-buffer.ts';
import { QueueCounters, type QueueStats } from './queue-counters.ts';
import { FlushError, QueueClosedError } from './queue-errors.ts';
import { QueueReporter } from './queue-reporter.ts';
import { type QueueSource, subscribeSource } from './source-subscription.ts';
import { SyncBarriers } from './sync-barriers.ts';

export type { QueueStats, TypeStats } from './queue-counters.ts';

const log = createDebug('batchwatch:queue');

type State = 'open' | 'draining' | 'drained' | 'stopped';

/**
 * Batches events from any number of sources and hands each batch to
 * `onFlush`, one at a time, never losing an event silently: see the README's
 * "Queue guarantees". Built on {@link batchEvents}.
 *
 * @example
 * const queue = new EventQueue({ flushInterval: 300, onFlush: (batch) => reload(batch) });
 * queue.start(dockerSource(), fileSource(['./config']));
 * // later: await queue.close();
 */
export class EventQueue implements AsyncDisposable {
  /** Every batch `onFlush` handled (every batch, without `onFlush`). Hot; completes when the queue ends. */
  readonly flushes$: Observable<readonly Event[]>;

  readonly #options: ResolvedEventQueueOptions;
  readonly #counters = new QueueCounters();
  readonly #report: QueueReporter;
  readonly #engine: Batcher;
  readonly #flushes = new Subject<readonly Event[]>();
  readonly #sources = new Subscription();
  readonly #barriers = new SyncBarriers();
  #sourceCount = 0;
  #state: State = 'open';
  /** The batch being flushed, or waiting for its retry. */
  #inFlight: Taken | null = null;
  /** Counts the failed tries of the batch in flight; runs its retry timer. */
  readonly #retries: RetryLoop;
  /** The running Observable flush (cancelled by `stop()`). */
  #pendingWork: Unsubscribable | null = null;
  #drained: Promise<void> | null = null;
  #resolveDrained: (() => void) | null = null;
  readonly #push = (event: Event): void => this.#engine.add(event);
  readonly #abort = (): void => this.stop();
  readonly #settledThrough = (seq: number): boolean => {
    const inFlight = this.#inFlight;
    return this.#engine.headSeq > seq && (inFlight === null || inFlight.firstSeq > seq);
  };

  /** @throws OptionsError when an option is out of range, contradicts another or is misspelled. */
  constructor(options: EventQueueOptions = {}) {
    this.#options = resolveEventQueueOptions(options);
    this.flushes$ = this.#flushes.asObservable();
    this.#report = new QueueReporter(this.#options, this.#counters);
    const { retry, scheduler, signal } = this.#options;
    this.#retries = new RetryLoop({
      policy: retry.backoff,
      option: 'retry.backoff',
      scheduler,
      maxRetries: retry.maxRetries,
    });
    this.#engine = new Batcher(this.#options, this.#counters, {
      emit: (taken) => this.#deliver(taken),
      overflow: (error) => this.#report.error(error),
      drained: () => this.#finishDrain(),
      emptied: () => this.#checkBarriers(),
    });
    if (signal?.aborted) this.stop();
    else signal?.addEventListener('abort', this.#abort, { once: true });
  }

  /** Adds one event. Never blocks, never throws; after `stop()` or `drain()` the event is dropped. */
  push(event: Event): void {
    // Once stopped or draining, the engine drops (and counts) what comes in.
    this.#engine.add(event);
  }

  /**
   * Consumes sources. A source that errors is reported to `onError` as a
   * `SourceError` and ends; the queue and the other sources go on. A source
   * with a `warnings$` has its warnings passed to `onWarning` (by default to
   * `onError`, as `SourceWarning`s). Unsubscribe the result to stop consuming
   * these sources.
   *
   * @throws QueueClosedError after `stop()` or `drain()`.
   */
  start(...sources: QueueSource[]): Subscription {
    if (this.#state !== 'open')
      throw new QueueClosedError('start() was called after stop() or drain()');
    const group = new Subscription();
    this.#sources.add(group);
    group.add(() => this.#sources.remove(group));
    for (const source of sources) {
      const index = this.#sourceCount++;
      group.add(
        subscribeSource(source, {
          event: this.#push,
          warning: (warning) => this.#report.warning(index, warning),
          error: (err) => this.#report.error(new SourceError(index, err)),
          complete: () => log('source #%d completed', index),
        }),
      );
    }
    return group;
  }

  /**
   * Resolves once every event received before the call has been flushed (or
   * dropped, coalesced away or dead-lettered): a barrier for tests and for
   * "reload now". Rejects with `QueueClosedError` if `stop()` discards them.
   */
  sync(): Promise<void> {
    const seq = this.#engine.lastSeq;
    if (this.#settledThrough(seq)) return Promise.resolve();
    if (this.#state === 'stopped') {
      return Promise.reject(new QueueClosedError('sync() was called after stop()'));
    }
    return this.#barriers.wait(seq);
  }

  /** A snapshot of the counters. */
  stats(): QueueStats {
    const engine = this.#engine;
    return this.#counters.snapshot({
      pending: engine.pending,
      inFlight: this.#inFlight?.events.length ?? 0,
      oldestPendingMs: engine.oldestPendingMs(),
    });
  }

  /**
   * Discards pending events (GoDoxy's cancel), unsubscribes every source and
   * releases every timer. A flush returning a promise that is already running
   * finishes (a promise cannot be cancelled; if it fails it is reported, not
   * retried); an Observable flush is unsubscribed and a waiting retry
   * dropped. Nothing more is flushed. Idempotent.
   */
  stop(): void {
    if (this.#state === 'stopped' || this.#state === 'drained') return;
    log('stop: discarding %d pending event(s)', this.#engine.pending);
    this.#state = 'stopped';
    this.#engine.clear();
    if ((this.#pendingWork !== null || this.#retries.pending) && this.#inFlight !== null) {
      // A retry that was waiting, or an Observable flush (cancelled by unsubscribing): discarded.
      this.#counters.discarded(this.#inFlight.events);
      this.#inFlight = null;
    }
    this.#release();
    this.#barriers.rejectAll('stop() discarded events a sync() was waiting for');
    this.#resolveDrained?.();
  }

  /**
   * Stops intake (sources are unsubscribed, `push` drops), flushes every
   * pending event, waits for the running flush and retries, then releases
   * everything. Returns the same promise on every call.
   */
  drain(): Promise<void> {
    if (this.#drained !== null) return this.#drained;
    if (this.#state !== 'open') {
      this.#drained = Promise.resolve();
      return this.#drained;
    }
    this.#state = 'draining';
    this.#drained = new Promise((resolve) => {
      this.#resolveDrained = resolve;
    });
    this.#sources.unsubscribe();
    log('drain: flushing %d pending event(s)', this.#engine.pending);
    this.#engine.complete();
    return this.#drained;
  }

  /**
   * Closes the queue without losing anything: the same as `drain()`, and the
   * same promise on every call (after `stop()`, resolved). To discard pending
   * events instead (GoDoxy's cancel), call `stop()` or abort `signal`.
   */
  close(): Promise<void> {
    return this.drain();
  }

  /** `await using queue = new EventQueue(...)` closes (drains) the queue at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #deliver(taken: Taken): void {
    this.#engine.setReady(false);
    this.#inFlight = taken;
    log('flush: %d event(s), try %d', taken.events.length, this.#retries.failures + 1);
    this.#runFlush(taken);
  }

  #runFlush(taken: Taken): void {
    const onFlush = this.#options.onFlush;
    if (onFlush === null) {
      this.#flushSucceeded(taken);
      return;
    }
    // settle() survives whatever onFlush throws, rejects, errors or returns, and answers once.
    const work = settle(
      () => onFlush(taken.events),
      (outcome) => {
        this.#pendingWork = null;
        if (outcome.ok) this.#flushSucceeded(taken);
        else this.#flushFailed(taken, outcome.cause);
      },
    );
    if (work !== null) this.#pendingWork = work;
  }

  #flushSucceeded(taken: Taken): void {
    if (this.#inFlight !== taken) return; // stopped meanwhile
    this.#inFlight = null;
    this.#retries.succeeded();
    this.#counters.flushed(taken.events);
    this.#flushes.next(taken.events);
    this.#settle();
  }

  #flushFailed(taken: Taken, cause: unknown): void {
    if (this.#inFlight !== taken || this.#state === 'stopped') {
      // stop() came while this flush ran: no retry, nothing left to release; report it once.
      if (this.#inFlight === taken) this.#inFlight = null;
      this.#deadLetter(taken, this.#retries.failures + 1, cause);
      return;
    }
    // The backoff is user code: the loop asks it safely and caps what it answers.
    const step = this.#retries.failed(() => this.#retry(taken));
    if (!step.retry) {
      if (step.cause !== undefined) log('retry.backoff failed: %s', describe(step.cause));
      this.#retries.succeeded(); // done with this batch: the next one starts its count afresh
      this.#inFlight = null;
      this.#deadLetter(taken, step.attempt, cause);
      this.#settle();
      return;
    }
    this.#counters.retried();
    log('flush failed (try %d), retrying in %d ms: %s', step.attempt, step.delay, describe(cause));
  }

  /** The retry timer fired: the batch goes back in front of the newer events, due at once. */
  #retry(taken: Taken): void {
    this.#inFlight = null;
    // Coalescing may cancel the whole retried batch out against newer events: then nothing
    // carries its count of failed tries, and the next batch starts afresh.
    if (!this.#engine.requeue(taken)) this.#retries.succeeded();
    this.#engine.setReady(true);
  }

  #deadLetter(taken: Taken, tries: number, cause: unknown): void {
    this.#counters.deadLettered(taken.events);
    this.#report.error(new FlushError(taken.events, tries, cause));
  }

  /** A batch is done with: resolve barriers, then let the next batch go. */
  #settle(): void {
    this.#checkBarriers();
    if (this.#state !== 'stopped') this.#engine.setReady(true);
  }

  #checkBarriers(): void {
    this.#barriers.release(this.#settledThrough);
  }

  #finishDrain(): void {
    log('drained');
    this.#state = 'drained';
    this.#release();
    this.#checkBarriers();
    this.#resolveDrained?.();
  }

  #release(): void {
    this.#sources.unsubscribe();
    this.#engine.dispose();
    this.#pendingWork?.unsubscribe();
    this.#pendingWork = null;
    this.#retries.cancel();
    this.#options.signal?.removeEventListener('abort', this.#abort);
    this.#flushes.complete();
  }
}
