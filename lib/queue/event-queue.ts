import { existsSync } from 'node:fs';
import createDebug from 'debug';
import type { Observable } from 'rxjs';
import { Subject } from 'rxjs/internal/Subject';
import { Subscription } from 'rxjs/internal/Subscription';
import { OptionsError, SourceError } from '../errors.ts';
import type { Event } from '../events/event.ts';
import { Batcher } from './batcher.ts';
import {
  type EventQueueOptions,
  type ResolvedEventQueueOptions,
  resolveEventQueueOptions,
} from './event-queue-options.ts';
import { FileHold } from './file-hold.ts';
import { FlushRunner } from './flush-runner.ts';
import { HoldTimeoutWarning } from './hold-errors.ts';
import { type HoldRelease, HoldSet } from './hold-set.ts';
import { JournalHook } from './journal-hook.ts';
import type { Taken } from './pending-buffer.ts';
import { QueueCounters, type QueueStats } from './queue-counters.ts';
import { QueueClosedError } from './queue-errors.ts';
import { QueueReporter } from './queue-reporter.ts';
import { type QueueSource, type SourceHandlers, subscribeSource } from './source-subscription.ts';
import { SyncBarriers } from './sync-barriers.ts';

export type { QueueStats, TypeStats } from './queue-counters.ts';

const log = createDebug('batchwatch:queue');

type State = 'open' | 'draining' | 'drained' | 'stopped';

/**
 * Batches events from any number of sources and hands each batch to
 * `onFlush`, one at a time, never losing an event silently: see the README's
 * "Queue guarantees". Events go straight into the engine `batchEvents` runs
 * on (batcher.ts); each batch it emits goes to the {@link FlushRunner}.
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
  readonly #runner: FlushRunner;
  readonly #flushes = new Subject<readonly Event[]>();
  readonly #sources = new Subscription();
  readonly #barriers = new SyncBarriers();
  readonly #holds: HoldSet;
  readonly #fileHold: FileHold | null;
  readonly #journal: JournalHook | null = null;
  #sourceCount = 0;
  #state: State = 'open';
  #drained: Promise<void> | null = null;
  #resolveDrained: (() => void) | null = null;
  #sourceHandlers: SourceHandlers = {
    event: (event) => {
      this.#fileHold?.observe(event);
      this.#engine.add(event);
    },
    warning: (index, warning) => this.#report.warning(index, warning),
    error: (index, err) => this.#report.error(new SourceError(index, err)),
    complete: (index) => log('source #%d completed', index),
  };
  readonly #abort = (): void => this.stop();
  readonly #settledThrough = (seq: number): boolean => {
    const inFlight = this.#runner.inFlight;
    return this.#engine.headSeq > seq && (inFlight === null || inFlight.firstSeq > seq);
  };

  /** @throws OptionsError when an option is out of range, contradicts another or is misspelled. */
  constructor(options: EventQueueOptions = {}) {
    const resolved = resolveEventQueueOptions(options);
    if (resolved.journal !== null) {
      this.#journal = new JournalHook(resolved.journal, resolved, (e) => this.#report.error(e));
    }
    this.#options = this.#journal?.options ?? resolved;
    this.flushes$ = this.#flushes.asObservable();
    this.#report = new QueueReporter(this.#options, this.#counters);
    this.#runner = new FlushRunner(this.#options, this.#counters, this.#report, {
      flushed: (events) => this.#flushes.next(events),
      requeue: (taken) => this.#engine.requeue(taken),
      idle: () => this.#idle(),
    });
    const { holdWhile, maxHold, scheduler } = this.#options;
    this.#holds = new HoldSet(maxHold, () => scheduler.now());
    this.#fileHold = holdWhile === null ? null : new FileHold(holdWhile, this.#holds, existsSync);
    this.#engine = new Batcher(
      this.#options,
      this.#counters,
      {
        emit: (taken) => this.#deliver(taken),
        overflow: (error) => this.#report.error(error),
        drained: () => this.#finishDrain(),
        emptied: () => this.#checkBarriers(),
        holdExpired: (names) => this.#report.error(new HoldTimeoutWarning(names, maxHold)),
      },
      this.#holds,
    );
    const journal = this.#journal;
    if (journal !== null) {
      const event = (event: Event): void => {
        this.#fileHold?.observe(event);
        journal.accept(event);
      };
      this.#sourceHandlers = { ...this.#sourceHandlers, event };
      journal.start((event) => this.#engine.add(event));
    }
    const signal = this.#options.signal;
    if (signal?.aborted) this.stop();
    else signal?.addEventListener('abort', this.#abort, { once: true });
  }

  /** Adds one event. Never blocks, never throws; after `stop()` or `drain()` the event is dropped. */
  push(event: Event): void {
    // A lock file's creation holds before the changes it guards are stored (file-hold.ts).
    this.#fileHold?.observe(event);
    // Once stopped or draining, the engine drops (and counts) what comes in.
    if (this.#journal === null) this.#engine.add(event);
    else this.#journal.accept(event);
  }

  /**
   * Keeps batches open while the state `name` is asserted (watchman's
   * state-enter; Mercurial's `hg.update`): events keep arriving and
   * accumulating (bounded by `capacity`, the overflow policy unchanged) and
   * nothing is delivered until every hold is released, then the pending
   * events get a fresh window, so that changes still on their way join them.
   * Re-entrant: each call needs its own release (calling a release twice
   * does nothing). After `maxHold` ms the batch goes anyway, with a
   * `HoldTimeoutWarning`. `stop()` and `drain()` release every hold.
   *
   * @example
   * const release = queue.hold('deploy');
   * try { await deploy(); } finally { release(); }
   */
  hold(name: string): HoldRelease {
    if (typeof name !== 'string' || name === '') {
      throw new OptionsError('name', name, 'a non-empty string naming the hold');
    }
    log('hold %s', name);
    return this.#holds.acquire(name);
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
      group.add(subscribeSource(source, this.#sourceCount++, this.#sourceHandlers));
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
      inFlight: this.#runner.inFlight?.events.length ?? 0,
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
    this.#holds.close();
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
    this.#holds.close();
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
    this.#journal?.taken(this.#engine.pending);
    this.#runner.run(taken);
  }

  /** The runner is free: resolve barriers, then let the next batch go. */
  #idle(): void {
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
    this.#journal?.stop();
    this.#sources.unsubscribe();
    this.#engine.dispose();
    this.#runner.cancel();
    this.#options.signal?.removeEventListener('abort', this.#abort);
    this.#flushes.complete();
  }
}
