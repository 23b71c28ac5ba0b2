import type { Event } from '../events/event.ts';
import { type CoalesceKey, mergeEvents } from './coalesce.ts';

/**
 * Events taken out of a buffer, with the sequence number of each (the order in
 * which they arrived; a coalesced event keeps its first event's number).
 */
export interface Taken {
  readonly events: Event[];
  readonly seqs: number[];
}

/** What {@link PendingBuffer.add} did with an event. */
export const AddResult = {
  /** Stored as a new pending event. */
  Added: 0,
  /** Merged into the pending event of the same key. */
  Merged: 1,
  /** Cancelled out with the pending event of the same key: both are gone. */
  Cancelled: 2,
  /** Not stored: it needs a new slot and the buffer is full. */
  Full: 3,
} as const;

export type AddResult = (typeof AddResult)[keyof typeof AddResult];

/** The pending events of a batch window, in arrival order. No timers, no policy: just storage. */
export interface PendingBuffer {
  /** How many events are pending (after coalescing). */
  readonly size: number;
  /** The sequence number of the oldest pending event; `Infinity` when empty. */
  readonly headSeq: number;
  add(event: Event, seq: number, limit: number): AddResult;
  /** Drops the oldest pending event. */
  dropHead(): void;
  /** Takes up to `max` of the oldest events out. */
  take(max: number): Taken;
  /** The distinct event types pending, in order of first appearance. */
  types(): Event['type'][];
}

/** A FIFO buffer: every event is kept. */
export class FifoBuffer implements PendingBuffer {
  #events: (Event | undefined)[] = [];
  #seqs: number[] = [];
  /** Index of the oldest event: dropping the head is O(1); the arrays are compacted now and then. */
  #head = 0;

  get size(): number {
    return this.#events.length - this.#head;
  }

  get headSeq(): number {
    return this.#head < this.#seqs.length ? (this.#seqs[this.#head] as number) : Infinity;
  }

  add(event: Event, seq: number, limit: number): AddResult {
    if (this.#events.length - this.#head >= limit) return AddResult.Full;
    this.#events.push(event);
    this.#seqs.push(seq);
    return AddResult.Added;
  }

  dropHead(): void {
    this.#events[this.#head] = undefined;
    this.#head++;
    if (this.#head >= 1024 && this.#head * 2 >= this.#events.length) this.#compact();
  }

  take(max: number): Taken {
    const end = Math.min(this.#events.length, this.#head + max);
    let events: Event[];
    let seqs: number[];
    if (this.#head === 0 && end === this.#events.length) {
      // The common case, the whole buffer: hand the arrays over instead of copying them.
      events = this.#events as Event[];
      seqs = this.#seqs;
      this.#events = [];
      this.#seqs = [];
    } else {
      events = this.#events.slice(this.#head, end) as Event[];
      seqs = this.#seqs.slice(this.#head, end);
      this.#head = end;
      this.#compact();
    }
    return { events, seqs };
  }

  types(): Event['type'][] {
    const seen = new Set<Event['type']>();
    for (let i = this.#head; i < this.#events.length; i++)
      seen.add((this.#events[i] as Event).type);
    return [...seen];
  }

  #compact(): void {
    this.#events = this.#events.slice(this.#head);
    this.#seqs = this.#seqs.slice(this.#head);
    this.#head = 0;
  }
}

interface Entry {
  event: Event;
  readonly seq: number;
}

/** A coalescing buffer: one event per key, kept at the position of the key's first event. */
export class CoalescingBuffer implements PendingBuffer {
  readonly #keyOf: CoalesceKey;
  #entries = new Map<string, Entry>();

  constructor(keyOf: CoalesceKey) {
    this.#keyOf = keyOf;
  }

  get size(): number {
    return this.#entries.size;
  }

  get headSeq(): number {
    for (const entry of this.#entries.values()) return entry.seq;
    return Infinity;
  }

  add(event: Event, seq: number, limit: number): AddResult {
    const key = this.#keyOf(event);
    const entry = this.#entries.get(key);
    if (entry === undefined) {
      if (this.#entries.size >= limit) return AddResult.Full;
      this.#entries.set(key, { event, seq });
      return AddResult.Added;
    }
    const merged = mergeEvents(entry.event, event);
    if (merged === undefined) {
      this.#entries.delete(key);
      return AddResult.Cancelled;
    }
    entry.event = merged;
    return AddResult.Merged;
  }

  dropHead(): void {
    for (const key of this.#entries.keys()) {
      this.#entries.delete(key);
      return;
    }
  }

  take(max: number): Taken {
    const events: Event[] = [];
    const seqs: number[] = [];
    if (max >= this.#entries.size) {
      for (const entry of this.#entries.values()) {
        events.push(entry.event);
        seqs.push(entry.seq);
      }
      this.#entries = new Map();
      return { events, seqs };
    }
    for (const [key, entry] of this.#entries) {
      if (events.length === max) break;
      events.push(entry.event);
      seqs.push(entry.seq);
      this.#entries.delete(key);
    }
    return { events, seqs };
  }

  types(): Event['type'][] {
    const seen = new Set<Event['type']>();
    for (const entry of this.#entries.values()) seen.add(entry.event.type);
    return [...seen];
  }
}
