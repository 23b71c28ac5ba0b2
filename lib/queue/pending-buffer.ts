import type { Event } from '../events/event.ts';
import {
  type CoalesceKey,
  coalesceActor,
  defaultCoalesceKey,
  mergeEvents,
  safeCoalesceKey,
} from './coalesce.ts';

/**
 * Events taken out of a buffer, with the sequence number of the oldest. Every
 * stored event gets the next number; a coalesced event keeps its first
 * event's. Numbers only ever move down when a buffer is rebuilt (a retry, a
 * collapse), so a barrier waiting for a number can wait longer, never less.
 */
export interface Taken {
  readonly events: Event[];
  readonly firstSeq: number;
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

interface Entry {
  event: Event;
  readonly seq: number;
}

/**
 * The pending events of a batch window, in arrival order: no timers, no
 * policy, just storage. Without a key every event is kept (FIFO); with one,
 * one event per key, at the position of the key's first event.
 *
 * One class for both modes on purpose: the engine's hot path then calls one
 * monomorphic method. Two classes behind an interface made every queue in the
 * process twice as slow once both kinds existed (bench/queue).
 */
export class PendingBuffer {
  /** FIFO mode: the events, and the index of the oldest (dropping the head is O(1)). */
  #events: (Event | undefined)[] = [];
  #head = 0;
  /**
   * The number the next stored event gets. In FIFO mode the pending events
   * hold consecutive numbers ending just below it, so none is stored per event.
   */
  #nextSeq: number;
  /**
   * Coalescing mode: entries grouped by a cheap group key, then by key. The
   * default key groups by event type and keys by actor, which spares building
   * a key string per event. Each group is in arrival order; groups are merged
   * by sequence number when taken.
   */
  readonly #coalescing: boolean;
  readonly #groupOf: (event: Event) => string;
  readonly #keyOf: (event: Event) => unknown;
  #groups = new Map<string, Map<unknown, Entry>>();
  #entries = 0;

  constructor(keyOf: CoalesceKey | null, firstSeq = 1) {
    this.#nextSeq = firstSeq;
    this.#coalescing = keyOf !== null;
    // The default key is type + actor: grouping by type and keying by actor is the same key,
    // without building a string per event.
    if (keyOf === defaultCoalesceKey) {
      this.#groupOf = (event) => event.type;
      this.#keyOf = coalesceActor;
    } else {
      this.#groupOf = () => '';
      this.#keyOf = safeCoalesceKey(keyOf ?? defaultCoalesceKey);
    }
  }

  /** How many events are pending (after coalescing). */
  get size(): number {
    return this.#coalescing ? this.#entries : this.#events.length - this.#head;
  }

  /** The number the latest stored event got. */
  get lastSeq(): number {
    return this.#nextSeq - 1;
  }

  /** The sequence number of the oldest pending event; `Infinity` when empty. */
  get headSeq(): number {
    if (!this.#coalescing) {
      const size = this.#events.length - this.#head;
      return size > 0 ? this.#nextSeq - size : Infinity;
    }
    let min = Infinity;
    for (const group of this.#groups.values()) {
      for (const entry of group.values()) {
        if (entry.seq < min) min = entry.seq;
        break;
      }
    }
    return min;
  }

  /** Stores `event` unless that needs a new slot and `limit` are taken. */
  add(event: Event, limit: number): AddResult {
    if (!this.#coalescing) {
      if (this.#events.length - this.#head >= limit) return AddResult.Full;
      this.#events.push(event);
      this.#nextSeq++;
      return AddResult.Added;
    }
    const groupKey = this.#groupOf(event);
    let group = this.#groups.get(groupKey);
    if (group === undefined) {
      if (this.#entries >= limit) return AddResult.Full;
      group = new Map();
      this.#groups.set(groupKey, group);
    }
    const key = this.#keyOf(event);
    const entry = group.get(key);
    if (entry === undefined) {
      if (this.#entries >= limit) return AddResult.Full;
      group.set(key, { event, seq: this.#nextSeq++ });
      this.#entries++;
      return AddResult.Added;
    }
    const merged = mergeEvents(entry.event, event);
    if (merged === undefined) {
      group.delete(key);
      this.#entries--;
      return AddResult.Cancelled;
    }
    entry.event = merged;
    return AddResult.Merged;
  }

  /** Drops the oldest pending event and returns it. */
  dropHead(): Event | undefined {
    if (!this.#coalescing) {
      const dropped = this.#events[this.#head];
      this.#events[this.#head] = undefined;
      this.#head++;
      if (this.#head >= 1024 && this.#head * 2 >= this.#events.length) this.#compact();
      return dropped;
    }
    let oldest: { group: Map<unknown, Entry>; key: unknown; entry: Entry } | undefined;
    for (const group of this.#groups.values()) {
      for (const [key, entry] of group) {
        if (oldest === undefined || entry.seq < oldest.entry.seq) oldest = { group, key, entry };
        break;
      }
    }
    if (oldest === undefined) return undefined;
    oldest.group.delete(oldest.key);
    this.#entries--;
    return oldest.entry.event;
  }

  /** Takes up to `max` of the oldest events out. */
  take(max: number): Taken {
    return this.#coalescing ? this.#takeCoalesced(max) : this.#takeFifo(max);
  }

  /**
   * How many events of each type are pending, in order of first appearance,
   * leaving out those `skip` names.
   */
  typeCounts(skip: (event: Event) => boolean): Map<Event['type'], number> {
    const counts = new Map<Event['type'], number>();
    const count = (event: Event): void => {
      if (!skip(event)) counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
    };
    if (this.#coalescing) {
      for (const entry of this.#sortedEntries()) count(entry.event);
    } else {
      for (let i = this.#head; i < this.#events.length; i++) count(this.#events[i] as Event);
    }
    return counts;
  }

  #takeFifo(max: number): Taken {
    const firstSeq = this.headSeq;
    const end = Math.min(this.#events.length, this.#head + max);
    if (this.#head === 0 && end === this.#events.length) {
      // The common case, the whole buffer: hand the array over instead of copying it.
      const events = this.#events as Event[];
      this.#events = [];
      return { events, firstSeq };
    }
    const events = this.#events.slice(this.#head, end) as Event[];
    this.#head = end;
    this.#compact();
    return { events, firstSeq };
  }

  #takeCoalesced(max: number): Taken {
    const entries = this.#sortedEntries();
    const count = Math.min(max, entries.length);
    const events: Event[] = [];
    for (let i = 0; i < count; i++) events.push((entries[i] as Entry).event);
    const firstSeq = entries[0]?.seq ?? Infinity;
    if (count === entries.length) {
      this.#groups = new Map();
      this.#entries = 0;
    } else {
      // A partial batch (maxBatch): forget what was taken; each group stays in arrival order.
      const lastTaken = (entries[count - 1] as Entry).seq;
      for (const group of this.#groups.values()) {
        for (const [key, entry] of group) if (entry.seq <= lastTaken) group.delete(key);
      }
      this.#entries -= count;
    }
    return { events, firstSeq };
  }

  /** Every entry in arrival order. Groups are each sorted already, so the sort is a cheap merge. */
  #sortedEntries(): Entry[] {
    const entries: Entry[] = [];
    for (const group of this.#groups.values())
      for (const entry of group.values()) entries.push(entry);
    if (this.#groups.size > 1) entries.sort((x, y) => x.seq - y.seq);
    return entries;
  }

  #compact(): void {
    this.#events = this.#events.slice(this.#head);
    this.#head = 0;
  }
}
