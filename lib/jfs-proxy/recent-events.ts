import type { JfsEvent } from '../jfs-protocol/jfs-message.ts';

/**
 * Up to CHUNK_EVENTS consecutive events, kept in a few objects rather than one per
 * event: a second of a busy feed is 100,000 events, and as many live
 * objects would be copied by every young-generation collection while they
 * wait (most of the proxy's GC time, measured with bench/jfs/chain.ts).
 */
interface Chunk {
  /** When its last event came: the chunk leaves the window with it. */
  readonly time: number;
  /** Every name, end to end; `ends[i]` is where name i ends. */
  readonly names: string;
  readonly ends: Uint32Array;
  readonly ops: Uint32Array;
  /** The key of each event; runs of one key share one string. */
  readonly keys: string[];
  /** Index of the first event still kept (older ones were dropped by `maxEvents`). */
  from: number;
}

/** Events of the chunk being filled. */
interface OpenChunk {
  /** When its first event came. */
  time: number;
  /** When its last event came. */
  last: number;
  names: string[];
  ops: number[];
  keys: string[];
}

/** Events per sealed chunk, at most. */
const CHUNK_EVENTS = 1024;
/** How long events wait, one object each, before they are sealed into a chunk. */
const SEAL_AFTER_MS = 20;
/**
 * Keys whose loss time is kept one by one, at most; past it the losses count
 * for every key (a hostile feed of unique keys cannot grow the map).
 */
const MAX_LOST_KEYS = 10_000;

/**
 * The events a proxy received in the last `windowMs` (at most `maxEvents`),
 * so that a client whose WATCH arrives after an event it should get (the
 * WATCH came the long way, through a load balancer, while the change came
 * through Redis) still gets it: "ready means watching" for paths the daemon
 * already watched. A client may so also get a few changes from just before
 * its WATCH.
 */
export class RecentEvents {
  readonly #windowMs: number;
  readonly #maxEvents: number;
  #chunks: Chunk[] = [];
  /** Events not sealed into a chunk yet (at most CHUNK_EVENTS, for at most SEAL_AFTER_MS). */
  #open: OpenChunk = { time: 0, last: 0, names: [], ops: [], keys: [] };
  /** Events kept in `#chunks`. */
  #size = 0;
  /**
   * Per key, the time of its newest event dropped by `maxEvents` before the
   * window ended: a burst on one path must not cost a catch-up on the others.
   * Oldest first (a key is moved to the end when it loses again).
   */
  #lostUntil = new Map<string, number>();
  /** Events of any key up to this time may have been dropped (MAX_LOST_KEYS was passed). */
  #allLostUntil = Number.NEGATIVE_INFINITY;

  constructor(windowMs: number, maxEvents: number) {
    this.#windowMs = windowMs;
    this.#maxEvents = maxEvents;
  }

  push(events: readonly JfsEvent[], now: number): void {
    if (this.#windowMs <= 0) return;
    const open = this.#open;
    if (open.names.length > 0 && now - open.time >= SEAL_AFTER_MS) this.#seal(now);
    if (this.#open.names.length === 0) this.#open.time = now;
    // Before any chunk of this push is sealed: each carries the time of its last event.
    this.#open.last = now;
    // More than fit: only the newest can be kept.
    const first = Math.max(0, events.length - this.#maxEvents);
    for (let i = 0; i < first; i++) this.#lose((events[i] as JfsEvent).key, now);
    for (let i = first; i < events.length; i++) {
      const event = events[i] as JfsEvent;
      this.#open.names.push(event.name);
      this.#open.ops.push(event.op);
      this.#open.keys.push(event.key);
      this.#size++;
      if (this.#open.names.length === CHUNK_EVENTS) this.#seal(now);
    }
    this.#prune(now);
  }

  /**
   * True when every event of `key` received since `since` is still kept:
   * `since` is within the window and no event of `key` after it was dropped
   * by `maxEvents`.
   */
  covers(key: string, since: number, now: number): boolean {
    this.#prune(now);
    const lost = Math.max(this.#allLostUntil, this.#lostUntil.get(key) ?? Number.NEGATIVE_INFINITY);
    return since >= now - this.#windowMs && since > lost;
  }

  /**
   * The events of `key` received in the window, oldest first; with `since`,
   * only those of the chunks sealed at or after it (a chunk spans at most
   * 20 ms: a few events from just before `since` may come too).
   */
  of(key: string, now: number, since = Number.NEGATIVE_INFINITY): JfsEvent[] {
    this.#prune(now);
    const found: JfsEvent[] = [];
    for (const chunk of this.#chunks) {
      if (chunk.time < since) continue;
      for (let i = chunk.from; i < chunk.keys.length; i++) {
        if (chunk.keys[i] !== key) continue;
        const start = i === 0 ? 0 : (chunk.ends[i - 1] as number);
        const name = chunk.names.slice(start, chunk.ends[i]);
        found.push({ name, op: chunk.ops[i] as number, key });
      }
    }
    const open = this.#open;
    for (let i = 0; i < open.keys.length; i++) {
      if (open.keys[i] === key)
        found.push({ name: open.names[i] as string, op: open.ops[i] as number, key });
    }
    return found;
  }

  /** Moves the open events into a chunk of their own; the next open one starts `now`. */
  #seal(now: number): void {
    const { names, ops, keys, last } = this.#open;
    const count = names.length;
    const ends = new Uint32Array(count);
    let end = 0;
    let key = '';
    for (let i = 0; i < count; i++) {
      end += (names[i] as string).length;
      ends[i] = end;
      // Equal keys share one string (a feed may give each event its own copy).
      if (keys[i] !== key) key = keys[i] as string;
      keys[i] = key;
    }
    this.#chunks.push({
      time: last,
      names: names.join(''),
      ends,
      ops: Uint32Array.from(ops),
      keys,
      from: 0,
    });
    this.#open = { time: now, last: now, names: [], ops: [], keys: [] };
  }

  #prune(now: number): void {
    const from = now - this.#windowMs;
    let drop = 0;
    while (drop < this.#chunks.length && (this.#chunks[drop] as Chunk).time < from) {
      const chunk = this.#chunks[drop] as Chunk;
      this.#size -= chunk.keys.length - chunk.from;
      drop++;
    }
    if (drop === this.#chunks.length && this.#open.last < from) {
      this.#size -= this.#open.names.length;
      this.#open = { time: 0, last: 0, names: [], ops: [], keys: [] };
    }
    while (this.#size > this.#maxEvents) {
      const over = this.#size - this.#maxEvents;
      const chunk = this.#chunks[drop];
      if (chunk === undefined) {
        // Only open events are left.
        for (let i = 0; i < over; i++) this.#lose(this.#open.keys[i] as string, this.#open.last);
        this.#open.names.splice(0, over);
        this.#open.ops.splice(0, over);
        this.#open.keys.splice(0, over);
        this.#size -= over;
        break;
      }
      const left = chunk.keys.length - chunk.from;
      const end = chunk.from + Math.min(over, left);
      let key: string | undefined;
      // Runs of one key share one string: one map update per run.
      for (let i = chunk.from; i < end; i++) {
        if (chunk.keys[i] === key) continue;
        key = chunk.keys[i] as string;
        this.#lose(key, chunk.time);
      }
      if (over >= left) {
        this.#size -= left;
        drop++;
      } else {
        chunk.from += over;
        this.#size -= over;
      }
    }
    if (drop > 0) this.#chunks = this.#chunks.slice(drop);
    // Losses older than the window no longer matter: `covers` refuses such a `since` anyway.
    for (const [key, time] of this.#lostUntil) {
      if (time >= from) break;
      this.#lostUntil.delete(key);
    }
  }

  /** An event of `key` from `time` was dropped. */
  #lose(key: string, time: number): void {
    if (this.#lostUntil.get(key) === time) return;
    this.#lostUntil.delete(key);
    if (this.#lostUntil.size >= MAX_LOST_KEYS) {
      let newest = time;
      for (const lost of this.#lostUntil.values()) newest = Math.max(newest, lost);
      this.#allLostUntil = Math.max(this.#allLostUntil, newest);
      this.#lostUntil.clear();
      return;
    }
    this.#lostUntil.set(key, time);
  }
}
