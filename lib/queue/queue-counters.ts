import type { Event } from '../events/event.ts';

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

/** What {@link QueueCounters} does not count itself: the live state of the engine and the flush. */
export type QueueGauges = Pick<QueueStats, 'pending' | 'inFlight' | 'oldestPendingMs'>;

type EventCount = 'received' | 'flushed' | 'dropped' | 'coalesced' | 'deadLettered';
type TypeCounts = Record<EventCount, number>;

/**
 * Every counter of a queue, in one place: the engine counts what it receives,
 * drops and coalesces; the queue counts flushes, retries, dead letters and
 * errors. Event counters are kept in total and per event type.
 */
export class QueueCounters {
  readonly #total: TypeCounts = newCounts();
  readonly #byType = new Map<string, TypeCounts>();
  #batches = 0;
  #errors = 0;
  #retried = 0;
  /** Events come in runs of one type: remembering the last type saves a keyed lookup per event. */
  #lastType = '';
  #last: TypeCounts = newCounts();

  /** One event arrived (the hot path: called once per event). */
  received(type: string): void {
    this.#total.received++;
    (type === this.#lastType ? this.#last : this.#forType(type)).received++;
  }

  /** `count` events of `type` were dropped (policy, collapse, `stop()`, or after the end). */
  dropped(type: string, count: number): void {
    this.#total.dropped += count;
    this.#forType(type).dropped += count;
  }

  /** `count` events of `type` were merged into, or cancelled out with, another. */
  coalesced(type: string, count: number): void {
    this.#total.coalesced += count;
    this.#forType(type).coalesced += count;
  }

  /** A batch was handled. */
  flushed(events: readonly Event[]): void {
    this.#batches++;
    this.#countEvents('flushed', events);
  }

  /** A batch failed on its last try. */
  deadLettered(events: readonly Event[]): void {
    this.#countEvents('deadLettered', events);
  }

  /** A batch still in hand was discarded (`stop()`). */
  discarded(events: readonly Event[]): void {
    this.#countEvents('dropped', events);
  }

  /** A failed batch is tried again. */
  retried(): void {
    this.#retried++;
  }

  /** `onError` was called. */
  reported(): void {
    this.#errors++;
  }

  /** A snapshot: the counters, completed with the gauges the caller reads. */
  snapshot(gauges: QueueGauges): QueueStats {
    const total = this.#total;
    const byType: Record<string, TypeStats> = {};
    for (const [type, counts] of this.#byType) byType[type] = { ...counts };
    return {
      received: total.received,
      flushed: total.flushed,
      batches: this.#batches,
      errors: this.#errors,
      dropped: total.dropped,
      coalesced: total.coalesced,
      retried: this.#retried,
      deadLettered: total.deadLettered,
      ...gauges,
      byType,
    };
  }

  /** Counts a batch's events by type: a map update per run of one type, not per event. */
  #countEvents(field: EventCount, events: readonly Event[]): void {
    this.#total[field] += events.length;
    let type = '';
    let run = 0;
    for (let i = 0; i < events.length; i++) {
      const next = (events[i] as Event).type;
      if (next !== type) {
        if (run > 0) this.#forType(type)[field] += run;
        type = next;
        run = 0;
      }
      run++;
    }
    if (run > 0) this.#forType(type)[field] += run;
  }

  #forType(type: string): TypeCounts {
    if (type === this.#lastType) return this.#last;
    let counts = this.#byType.get(type);
    if (counts === undefined) {
      counts = newCounts();
      this.#byType.set(type, counts);
    }
    this.#lastType = type;
    this.#last = counts;
    return counts;
  }
}

function newCounts(): TypeCounts {
  return { received: 0, flushed: 0, dropped: 0, coalesced: 0, deadLettered: 0 };
}
