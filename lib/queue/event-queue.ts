import createDebug from 'debug';
import {
  BehaviorSubject,
  type Observable,
  Observable as RxObservable,
  Subject,
  type Subscribable,
  type Subscriber,
  Subscription,
  type Unsubscribable,
} from 'rxjs';
import { describe } from '../describe.ts';
import { CallbackError, type QueueError, SourceError } from '../errors.ts';
import type { Event } from '../events/event.ts';
import { askRetryPolicy } from '../options.ts';
import { settle } from '../settle.ts';
import { batchEvents } from './batch-events.ts';
import type { Batcher } from './batcher.ts';
import {
  type EventQueueOptions,
  type ResolvedEventQueueOptions,
  resolveEventQueueOptions,
} from './event-queue-options.ts';
import type { Taken } from './pending-buffer.ts';
import { FlushError, QueueClosedError } from './queue-errors.ts';

const log = createDebug('batchwatch:queue');

/** Counters of an {@link EventQueue}, from `queue.stats()`. */
export interface QueueStats {
  /** Events pushed or received from sources. */
  readonly received: number;
  /** Events in batches that `onFlush` handled. */
  readonly flushed: number;
  /** Batches that `onFlush` handled. */
  readonly batches: number;
  /** Calls of `onError`. */
  readonly errors: number;
  /** Events dropped by the overflow policy, absorbed into a ForceReload, or discarded by `stop()`. */
  readonly dropped: number;
  /** Events merged into, or cancelled out with, another of the same key. */
  readonly coalesced: number;
  /** Retries of failed batches. */
  readonly retried: number;
  /** Events in batches that failed on every try (dead letters). */
  readonly deadLettered: number;
  /** Events waiting for a batch. */
  readonly pending: number;
  /** Events in the batch being flushed or waiting for a retry. */
  readonly inFlight: number;
  /** How long the oldest pending event has waited, in ms; 0 when none is pending. */
  readonly oldestPendingMs: number;
  /** The event counters per event type (`docker`, `file`), for the types seen so far. */
  readonly byType: Readonly<Record<string, TypeStats>>;
}

/** The event counters of an {@link EventQueue} for one event type. */
export interface TypeStats {
  readonly received: number;
  readonly flushed: number;
  readonly dropped: number;
  readonly coalesced: number;
  readonly deadLettered: number;
}

interface Barrier {
  readonly seq: number;
  readonly resolve: () => void;
  readonly reject: (error: QueueClosedError) => void;
}

type State = 'open' | 'draining' | 'drained' | 'stopped';

/**
 * Batches events from any number of sources and hands each batch to
 * `onFlush`, one at a time, never losing an event silently: see the README's
 * "Queue guarantees". Built on {@link batchEvents}.
 *
 * @example
 * const queue = new EventQueue({ flushInterval: 300, onFlush: (batch) => reload(batch) });
 * queue.start(dockerSource(), fileSource(['./config']));
 */
export class EventQueue implements AsyncDisposable {
  /** Every batch `onFlush` handled (every batch, without `onFlush`). Hot; completes when the queue ends. */
  readonly flushes$: Observable<readonly Event[]>;

  readonly #options: ResolvedEventQueueOptions;
  readonly #flushes = new Subject<readonly Event[]>();
  readonly #ready = new BehaviorSubject(true);
  readonly #intake: Subscriber<Event>;
  readonly #batcher: Batcher;
  readonly #pipeline: Subscription;
  readonly #sources = new Subscription();
  #sourceCount = 0;
  #state: State = 'open';
  /** The batch being flushed, or waiting for its retry. */
  #inFlight: Taken | null = null;
  #attempt = 1;
  #pendingWork: Unsubscribable | null = null;
  #barriers: Barrier[] = [];
  #drained: Promise<void> | null = null;
  #resolveDrained: (() => void) | null = null;
  #lateDropped = 0;
  /** Per event type: dropped after close, flushed, dead-lettered (the engine counts the rest). */
  readonly #late = new Map<string, number>();
  readonly #flushedByType = new Map<string, number>();
  readonly #deadByType = new Map<string, number>();
  #flushed = 0;
  #batches = 0;
  #errors = 0;
  #retried = 0;
  #deadLettered = 0;

  /** @throws OptionsError when an option is out of range, contradicts another or is misspelled. */
  constructor(options: EventQueueOptions = {}) {
    const resolved = resolveEventQueueOptions(options);
    this.#options = resolved;
    this.flushes$ = this.#flushes.asObservable();
    let intake: Subscriber<Event> | undefined;
    let batcher: Batcher | undefined;
    this.#pipeline = new RxObservable<Event>((subscriber) => {
      intake = subscriber;
    })
      .pipe(
        batchEvents({
          flushInterval: resolved.flushInterval,
          maxBatch: resolved.maxBatch,
          capacity: resolved.capacity,
          overflow: resolved.overflow,
          coalesce: resolved.coalesce ?? false,
          scheduler: resolved.scheduler,
          ready: this.#ready,
          onOverflow: (error) => this.#report(error),
          onBatcher: (engine) => {
            batcher = engine;
          },
        }),
      )
      .subscribe({
        next: () => this.#deliver(),
        complete: () => this.#finishDrain(),
      });
    if (intake === undefined || batcher === undefined)
      throw new Error('unreachable: pipeline not subscribed');
    this.#intake = intake;
    this.#batcher = batcher;
    batcher.onEmptied = () => this.#checkBarriers();
  }

  /** Adds one event. Never blocks, never throws; after `stop()` or `drain()` the event is dropped. */
  push(event: Event): void {
    if (this.#state !== 'open') {
      this.#lateDropped++;
      this.#countFor(this.#late, event.type, 1);
      return;
    }
    // Straight into the engine: going through the pipeline's subscriber chain costs half the
    // throughput once RxJS's shared internals see other subscriber shapes (bench/queue).
    this.#batcher.add(event);
  }

  /**
   * Consumes sources. A source that errors is reported to `onError` as a
   * `SourceError` and ends; the queue and the other sources go on.
   * Unsubscribe the result to stop consuming these sources.
   *
   * @throws QueueClosedError after `stop()` or `drain()`.
   */
  start(...sources: Subscribable<Event>[]): Subscription {
    if (this.#state !== 'open')
      throw new QueueClosedError('start() was called after stop() or drain()');
    const group = new Subscription();
    this.#sources.add(group);
    group.add(() => this.#sources.remove(group));
    for (const source of sources) {
      const index = this.#sourceCount++;
      group.add(
        source.subscribe({
          next: (event) => this.push(event),
          error: (err: unknown) => this.#report(new SourceError(index, err)),
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
    const seq = this.#batcher.lastSeq;
    if (this.#settledThrough(seq)) return Promise.resolve();
    if (this.#state === 'stopped') {
      return Promise.reject(new QueueClosedError('sync() was called after stop()'));
    }
    return new Promise((resolve, reject) => this.#barriers.push({ seq, resolve, reject }));
  }

  /** A snapshot of the counters. */
  stats(): QueueStats {
    const batcher = this.#batcher;
    return {
      received: batcher.received,
      flushed: this.#flushed,
      batches: this.#batches,
      errors: this.#errors,
      dropped: batcher.dropped + this.#lateDropped,
      coalesced: batcher.coalesced,
      retried: this.#retried,
      deadLettered: this.#deadLettered,
      pending: batcher.pending,
      inFlight: this.#inFlight?.events.length ?? 0,
      oldestPendingMs: batcher.oldestPendingMs(),
      byType: this.#statsByType(),
    };
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
    log('stop: discarding %d pending event(s)', this.#batcher.pending);
    this.#state = 'stopped';
    this.#batcher.clear();
    if (this.#pendingWork !== null && this.#inFlight !== null) {
      // A retry that was waiting, or an Observable flush (cancelled by unsubscribing): discarded.
      this.#lateDropped += this.#inFlight.events.length;
      this.#countEvents(this.#late, this.#inFlight.events);
      this.#inFlight = null;
    }
    this.#release();
    const barriers = this.#barriers;
    this.#barriers = [];
    for (const barrier of barriers) {
      barrier.reject(new QueueClosedError('stop() discarded events a sync() was waiting for'));
    }
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
    log('drain: flushing %d pending event(s)', this.#batcher.pending);
    this.#intake.complete();
    return this.#drained;
  }

  /** `await using queue = new EventQueue(...)` drains the queue at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.drain();
  }

  #countFor(counts: Map<string, number>, type: string, by: number): void {
    counts.set(type, (counts.get(type) ?? 0) + by);
  }

  /** Counts a batch's events by type: a map update per run of one type, not per event. */
  #countEvents(counts: Map<string, number>, events: readonly Event[]): void {
    let type = '';
    let run = 0;
    for (let i = 0; i < events.length; i++) {
      const next = (events[i] as Event).type;
      if (next !== type) {
        if (run > 0) this.#countFor(counts, type, run);
        type = next;
        run = 0;
      }
      run++;
    }
    if (run > 0) this.#countFor(counts, type, run);
  }

  #statsByType(): Record<string, TypeStats> {
    const engine = this.#batcher.byType;
    const types = new Set([
      ...Object.keys(engine),
      ...this.#late.keys(),
      ...this.#flushedByType.keys(),
    ]);
    const byType: Record<string, TypeStats> = {};
    for (const type of types) {
      byType[type] = {
        received: engine[type]?.received ?? 0,
        flushed: this.#flushedByType.get(type) ?? 0,
        dropped: (engine[type]?.dropped ?? 0) + (this.#late.get(type) ?? 0),
        coalesced: engine[type]?.coalesced ?? 0,
        deadLettered: this.#deadByType.get(type) ?? 0,
      };
    }
    return byType;
  }

  #deliver(): void {
    const taken = this.#batcher.lastTaken as Taken;
    this.#ready.next(false);
    this.#inFlight = taken;
    const attempt = this.#attempt;
    this.#attempt = 1;
    log('flush: %d event(s), attempt %d', taken.events.length, attempt);
    this.#runFlush(taken, attempt);
  }

  #runFlush(taken: Taken, attempt: number): void {
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
        else this.#flushFailed(taken, attempt, outcome.cause);
      },
    );
    if (work !== null) this.#pendingWork = work;
  }

  #flushSucceeded(taken: Taken): void {
    if (this.#inFlight !== taken) return; // stopped meanwhile
    this.#inFlight = null;
    this.#flushed += taken.events.length;
    this.#countEvents(this.#flushedByType, taken.events);
    this.#batches++;
    this.#flushes.next(taken.events);
    this.#settle();
  }

  #flushFailed(taken: Taken, attempt: number, cause: unknown): void {
    if (this.#inFlight !== taken || this.#state === 'stopped') {
      // stop() came while this flush ran: no retry, nothing left to release; report it once.
      if (this.#inFlight === taken) this.#inFlight = null;
      this.#deadLettered += taken.events.length;
      this.#countEvents(this.#deadByType, taken.events);
      this.#report(new FlushError(taken.events, attempt, cause));
      return;
    }
    // The backoff is user code: askRetryPolicy() survives it and caps what it answers.
    const decision =
      attempt <= this.#options.retry.max
        ? askRetryPolicy(this.#options.retry.backoff, attempt, 'retry.backoff')
        : { retry: false as const };
    if (!decision.retry) {
      if (decision.cause !== undefined) log('retry.backoff failed: %s', describe(decision.cause));
      this.#inFlight = null;
      this.#deadLettered += taken.events.length;
      this.#countEvents(this.#deadByType, taken.events);
      this.#report(new FlushError(taken.events, attempt, cause));
      this.#settle();
      return;
    }
    this.#retried++;
    const delay = decision.delay;
    log('flush failed (attempt %d), retrying in %d ms: %s', attempt, delay, describe(cause));
    this.#pendingWork = this.#options.scheduler.schedule(() => {
      this.#pendingWork = null;
      this.#inFlight = null;
      this.#attempt = attempt + 1;
      // Coalescing may cancel the whole retried batch out against newer events: then nothing
      // carries this attempt count, and the next batch starts afresh.
      if (!this.#batcher.requeue(taken)) this.#attempt = 1;
      this.#ready.next(true);
    }, delay);
  }

  /** A batch is done with: resolve barriers, then let the next batch go. */
  #settle(): void {
    this.#checkBarriers();
    if (this.#state !== 'stopped') this.#ready.next(true);
  }

  #settledThrough(seq: number): boolean {
    const inFlight = this.#inFlight;
    return this.#batcher.headSeq > seq && (inFlight === null || inFlight.firstSeq > seq);
  }

  #checkBarriers(): void {
    const barriers = this.#barriers;
    let done = 0;
    while (done < barriers.length && this.#settledThrough((barriers[done] as Barrier).seq)) done++;
    if (done === 0) return;
    for (const barrier of barriers.splice(0, done)) barrier.resolve();
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
    this.#pipeline.unsubscribe();
    this.#pendingWork?.unsubscribe();
    this.#pendingWork = null;
    this.#flushes.complete();
    this.#ready.complete();
  }

  #report(error: QueueError): void {
    this.#errors++;
    log('%s: %s', error.name, error.message);
    try {
      this.#options.onError(error);
    } catch (err) {
      this.#rethrow(new CallbackError('onError', err, error));
    }
    if (this.#options.debug) this.#rethrow(error);
  }

  /** Throws asynchronously, on the scheduler, so that the error crashes loudly instead of vanishing. */
  #rethrow(error: unknown): void {
    this.#options.scheduler.schedule(() => {
      throw error;
    });
  }
}
