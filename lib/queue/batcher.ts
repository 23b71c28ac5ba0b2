import type { Subscription } from 'rxjs';
import type { Event } from '../events/event.ts';
import type { ResolvedBatchOptions } from './batch-options.ts';
import { BatchWindow } from './batch-window.ts';
import type { HoldSet } from './hold-set.ts';
import { OverflowPolicy } from './overflow-policy.ts';
import { AddResult, PendingBuffer, type Taken } from './pending-buffer.ts';
import type { QueueCounters } from './queue-counters.ts';
import type { OverflowError } from './queue-errors.ts';

/** Where a {@link Batcher} sends what it produces. Called synchronously; must not throw. */
export interface BatcherOutput {
  /** A batch is due and the consumer is ready. */
  emit(taken: Taken): void;
  /** The overflow policy is `'error'` and an event was refused (once until the next batch). */
  overflow(error: OverflowError): void;
  /** `complete()` was called and every pending event has been emitted. */
  drained(): void;
  /** The pending events cancelled out (coalescing) and none are left: nothing will be emitted. */
  emptied(): void;
  /** Holds kept a window open for `maxHold`: they expired and the batch goes anyway. */
  holdExpired?(names: readonly string[]): void;
}

/**
 * The engine of `batchEvents` and `EventQueue`: pending events, the batch
 * window (fixed or settling: {@link BatchWindow}), the holds that keep it
 * open ({@link HoldSet}), the capacity policy ({@link OverflowPolicy}) and the gate that holds due
 * batches while the consumer is busy. Time comes only from the scheduler;
 * one timer, running only while events are pending. It counts what it
 * receives, drops and coalesces on the {@link QueueCounters} it is given.
 *
 * ```
 *          add                      window closes (not held), or maxBatch reached (not held)
 *  idle ─────────► collecting ──────────────────────────────────────► due
 *   ▲  all cancelled out │                                             │ ready
 *   ├────── emptied() ◄──┘                                             ▼
 *   │                                    emit(taken); the consumer setReady(false)
 *   │  nothing due            ┌───────────────────────────────────────┘
 *   └───────────── setReady(true): a maxBatch cut's remainder is due at once; events
 *                  that came meanwhile are collecting in their own window.
 *
 *  collecting, window closes while held: probe the holds; stay collecting, checked again at the
 *  first expiry (holdExpired(), then due) or, with probes, one window period later. The last
 *  hold released: the pending events get a fresh window (changes still on their way join them).
 *
 *  complete(): every state is due at once; add drops; drained() once empty, then closed.
 *  clear(): drops what is pending, then closed. dispose(): closed (timer released).
 * ```
 */
export class Batcher {
  readonly #options: ResolvedBatchOptions;
  readonly #counters: QueueCounters;
  readonly #output: BatcherOutput;
  readonly #window: BatchWindow;
  readonly #settles: boolean;
  readonly #holds: HoldSet | null;
  #buffer: PendingBuffer;
  #timer: Subscription | null = null;
  #due = false;
  #ready = true;
  #emitting = false;
  #draining = false;
  #closed = false;
  readonly #overflow: OverflowPolicy;
  #oldestAt = 0;

  /** @param holds the holds that keep windows open; `null` (batchEvents): never held. */
  constructor(
    options: ResolvedBatchOptions,
    counters: QueueCounters,
    output: BatcherOutput,
    holds: HoldSet | null = null,
  ) {
    this.#options = options;
    this.#counters = counters;
    this.#output = output;
    this.#buffer = new PendingBuffer(options.coalesce);
    this.#window = new BatchWindow(options);
    this.#settles = this.#window.settles;
    this.#holds = holds;
    this.#overflow = new OverflowPolicy(options, counters, (error) => output.overflow(error));
    if (holds !== null) holds.onReleased = () => this.#released();
  }

  /** Pending events, after coalescing. */
  get pending(): number {
    return this.#buffer.size;
  }

  /** The sequence number of the latest stored event. */
  get lastSeq(): number {
    return this.#buffer.lastSeq;
  }

  /** The sequence number of the oldest pending event; `Infinity` when none is pending. */
  get headSeq(): number {
    return this.#buffer.headSeq;
  }

  /** How long the oldest pending event has waited, in ms (an upper bound after a partial batch). */
  oldestPendingMs(): number {
    return this.#buffer.size === 0 ? 0 : this.#options.scheduler.now() - this.#oldestAt;
  }

  /** Takes one event in. Never throws; after `complete()`, `clear()` or `dispose()` it is dropped. */
  add(event: Event): void {
    if (this.#closed || this.#draining) {
      this.#counters.dropped(event.type, 1);
      return;
    }
    this.#counters.received(event.type);
    if (this.#overflow.absorbs(event.type)) {
      this.#counters.dropped(event.type, 1);
      return;
    }
    const buffer = this.#buffer;
    const wasEmpty = buffer.size === 0;
    const result = buffer.add(event, this.#options.capacity);
    if (result === AddResult.Full) {
      this.#buffer = this.#overflow.apply(buffer, event);
      if (this.#closed) return; // the 'error' policy without a handler ended the stream
    } else if (result !== AddResult.Added) {
      this.#countCoalesced(result, event.type);
      if (buffer.size === 0) {
        this.#becameEmpty();
        return;
      }
    }
    if (wasEmpty && this.#buffer.size > 0) {
      const now = this.#options.scheduler.now();
      this.#oldestAt = now;
      if (!this.#due) this.#schedule(this.#window.open(now));
    } else if (this.#settles) {
      this.#window.touch(this.#options.scheduler.now());
    }
    if (this.#buffer.size >= this.#options.maxBatch && !this.#due && !this.#held()) {
      this.#due = true;
      this.#schedule(0);
    }
  }

  /** Opens or closes the gate: due batches are held while the consumer is not ready. */
  setReady(ready: boolean): void {
    this.#ready = ready;
    if (ready) this.#tryEmit();
  }

  /** No more events: emit everything pending as soon as the consumer is ready, then `drained()`. */
  complete(): void {
    if (this.#closed || this.#draining) return;
    this.#draining = true;
    this.#cancelTimer();
    this.#due = true;
    this.#tryEmit();
  }

  /**
   * Puts a batch back in front of the pending events, due at once (a retry).
   * Returns false when nothing is left to flush (closed, or the batch and the
   * newer events cancelled out).
   */
  requeue(taken: Taken): boolean {
    if (this.#closed) return false;
    const newer = this.#buffer.take(Number.POSITIVE_INFINITY);
    const buffer = this.#newBuffer(taken.firstSeq);
    this.#buffer = buffer;
    for (const event of taken.events) buffer.add(event, Number.POSITIVE_INFINITY);
    for (const event of newer.events) {
      const result = buffer.add(event, Number.POSITIVE_INFINITY);
      if (result !== AddResult.Added) this.#countCoalesced(result, event.type);
    }
    this.#cancelTimer();
    if (newer.events.length === 0) this.#oldestAt = this.#options.scheduler.now();
    if (buffer.size === 0) {
      this.#becameEmpty();
      return false;
    }
    this.#due = true;
    this.#tryEmit();
    return true;
  }

  /** Discards every pending event (counted as dropped) and stops for good. */
  clear(): void {
    for (const [type, count] of this.#buffer.typeCounts(this.#overflow.isSynthetic)) {
      this.#counters.dropped(type, count);
    }
    this.#buffer = this.#newBuffer();
    this.dispose();
  }

  /** Stops for good: cancels the timer; later events are dropped. */
  dispose(): void {
    this.#closed = true;
    this.#due = false;
    this.#cancelTimer();
  }

  #countCoalesced(result: AddResult, type: string): void {
    // A merge folds one event into another; a cancellation removes both (of the same key, so type).
    this.#counters.coalesced(type, result === AddResult.Cancelled ? 2 : 1);
  }

  #becameEmpty(): void {
    if (this.#draining) {
      this.#tryEmit();
      return;
    }
    this.#cancelTimer();
    this.#due = false;
    this.#output.emptied();
  }

  #tryEmit(): void {
    if (this.#emitting || this.#closed) return;
    this.#emitting = true;
    try {
      while (this.#ready && this.#due && this.#buffer.size > 0) {
        const taken = this.#buffer.take(this.#options.maxBatch);
        // Whatever timer was pending (a window, or the at-once timer of maxBatch) served this batch.
        this.#cancelTimer();
        this.#overflow.taken();
        // What a maxBatch cut leaves behind has waited for a full window, or arrived while the
        // consumer was busy: it is due at once.
        this.#due = this.#buffer.size > 0 || this.#draining;
        this.#output.emit(taken);
        if (this.#closed) return;
      }
    } finally {
      this.#emitting = false;
    }
    if (this.#buffer.size === 0 && this.#draining && this.#ready) {
      this.dispose();
      this.#output.drained();
    }
  }

  #schedule(delay: number): void {
    this.#cancelTimer();
    this.#timer = this.#options.scheduler.schedule(() => {
      this.#timer = null;
      if (this.#buffer.size === 0) return;
      if (!this.#due && !this.#windowCloses()) return;
      this.#due = true;
      this.#tryEmit();
    }, delay);
  }

  /** The timer fired on an open window: whether it closes now (else the timer is set again). */
  #windowCloses(): boolean {
    const now = this.#options.scheduler.now();
    const left = this.#window.remaining(now);
    if (left > 0) {
      this.#schedule(left);
      return false;
    }
    const holds = this.#holds;
    if (holds === null) return true;
    const wasHeld = holds.held;
    holds.probe();
    // A probe that released the last hold gave the window a fresh start (#released).
    if (wasHeld && !holds.held) return false;
    if (!holds.held) return true;
    const expired = holds.expire();
    if (expired.length > 0) this.#output.holdExpired?.(expired);
    if (!holds.held || this.#closed) return true;
    let delay = holds.nextExpiry() - now;
    if (holds.probing) delay = Math.min(delay, this.#window.interval);
    if (delay < Number.POSITIVE_INFINITY) this.#schedule(delay);
    return false;
  }

  #held(): boolean {
    return this.#holds?.held === true;
  }

  /** The last hold ended: what is pending gets a fresh window (or goes at once at maxBatch). */
  #released(): void {
    if (this.#closed || this.#draining || this.#due || this.#buffer.size === 0) return;
    if (this.#buffer.size >= this.#options.maxBatch) {
      this.#due = true;
      this.#schedule(0);
      return;
    }
    this.#schedule(this.#window.open(this.#options.scheduler.now()));
  }

  #cancelTimer(): void {
    if (this.#timer !== null) {
      this.#timer.unsubscribe();
      this.#timer = null;
    }
  }

  /** A fresh buffer numbering from `firstSeq` (default: after the current one). */
  #newBuffer(firstSeq = this.#buffer.lastSeq + 1): PendingBuffer {
    return new PendingBuffer(this.#options.coalesce, firstSeq);
  }
}
