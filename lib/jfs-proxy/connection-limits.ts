import type { SchedulerLike, Unsubscribable } from 'rxjs';
import { type ConnectionLimit, ConnectionLimitError } from './proxy-errors.ts';

/** The limits a proxy puts on each client connection, from {@link JfsProxyOptions}. */
export interface ConnectionLimitOptions {
  /** ms a connection may stay open without sending its first WATCH. */
  readonly idleTimeout: number;
  /** ms a frame may take to arrive whole once its first byte came. */
  readonly frameDeadline: number;
  /** Bytes of an incomplete frame one connection may hold. */
  readonly maxPartialBytes: number;
  /** Bytes of incomplete frames all connections together may hold. */
  readonly maxTotalPartialBytes: number;
  readonly scheduler: SchedulerLike;
}

/** What a guard can do to its socket's reading. */
export interface Pausable {
  pause(): unknown;
  resume(): unknown;
}

/**
 * Connections that have sent nothing yet which Node may read from at once.
 * Node reads (and allocates) up to a chunk per readable socket, so a flood of
 * connections that all send at once is read this many at a time.
 */
const FRESH_READERS = 64;

/**
 * What every connection of one proxy shares: the budget for incomplete
 * frames, and the gate for connections that have sent nothing yet. Those
 * arrive paused (the server has `pauseOnConnect`); at most
 * {@link FRESH_READERS} of them are read at once, and none while over half
 * the budget is held, so that a flood of connections cannot make the proxy
 * read a chunk from each at once. A connection leaves the gate with its
 * first bytes (then the budget and deadlines bound it) or when it closes.
 */
export class PartialFrameBudget {
  /** Bytes of incomplete frames held by all connections. */
  held = 0;
  readonly #waiting = new Set<Pausable>();
  readonly #reading = new Set<Pausable>();
  #max = Number.POSITIVE_INFINITY;

  /** Registers a connection that has sent nothing yet (paused). */
  arrived(socket: Pausable, max: number): void {
    this.#max = max;
    this.#waiting.add(socket);
    this.update();
  }

  /** The connection sent data, or left: it leaves the gate. */
  settled(socket: Pausable): void {
    this.#waiting.delete(socket);
    if (this.#reading.delete(socket)) this.update();
  }

  /** After `held` changed: let waiting connections be read while there is room. */
  update(): void {
    if (this.held * 2 > this.#max) return;
    for (const socket of this.#waiting) {
      if (this.#reading.size >= FRESH_READERS) return;
      this.#waiting.delete(socket);
      this.#reading.add(socket);
      socket.resume();
    }
  }
}

/**
 * Enforces the per-connection limits of one proxy connection: the idle
 * timeout before its first WATCH, the deadline for a started frame, and its
 * share of the budgets for incomplete frames. At most two timers; `release()`
 * cancels them and returns the share.
 */
export class ConnectionGuard {
  readonly #options: ConnectionLimitOptions;
  readonly #budget: PartialFrameBudget;
  readonly #remote: string;
  readonly #breach: (error: ConnectionLimitError) => void;
  #idle: Unsubscribable | null;
  #frame: Unsubscribable | null = null;
  #held = 0;
  #done = false;

  readonly #socket: Pausable;
  #fresh = true;

  constructor(
    options: ConnectionLimitOptions,
    budget: PartialFrameBudget,
    remote: string,
    socket: Pausable,
    breach: (error: ConnectionLimitError) => void,
  ) {
    this.#options = options;
    this.#budget = budget;
    this.#remote = remote;
    this.#socket = socket;
    this.#breach = breach;
    budget.arrived(socket, options.maxTotalPartialBytes);
    this.#idle = options.scheduler.schedule(() => {
      this.#idle = null;
      this.#fail('idleTimeout', `no WATCH within ${options.idleTimeout} ms of connecting`);
    }, options.idleTimeout);
  }

  /** The connection sent a WATCH: the idle timeout no longer applies. */
  watched(): void {
    this.#idle?.unsubscribe();
    this.#idle = null;
  }

  /**
   * After a chunk was decoded: `buffered` bytes of an incomplete frame are
   * held, and `completed` frames ended in the chunk. Returns false when a
   * limit was broken (the connection must be closed; `breach` was called).
   */
  afterData(buffered: number, completed: number): boolean {
    if (this.#done) return false;
    if (this.#fresh) {
      this.#fresh = false;
      this.#budget.settled(this.#socket);
    }
    const { maxPartialBytes, maxTotalPartialBytes, frameDeadline, scheduler } = this.#options;
    this.#budget.held += buffered - this.#held;
    this.#held = buffered;
    this.#budget.update();
    if (buffered > maxPartialBytes) {
      this.#fail('maxPartialBytes', `${buffered} bytes of an incomplete frame held`);
      return false;
    }
    if (this.#budget.held > maxTotalPartialBytes) {
      this.#fail(
        'maxTotalPartialBytes',
        `incomplete frames of all clients reached ${this.#budget.held} bytes`,
      );
      return false;
    }
    if (buffered === 0) {
      this.#frame?.unsubscribe();
      this.#frame = null;
    } else if (this.#frame === null || completed > 0) {
      // A new frame started (the held bytes belong to a frame after those that completed).
      this.#frame?.unsubscribe();
      this.#frame = scheduler.schedule(() => {
        this.#frame = null;
        this.#fail('frameDeadline', `a frame was not completed within ${frameDeadline} ms`);
      }, frameDeadline);
    }
    return true;
  }

  /** Cancels the timers and gives the connection's share of the budget back. Idempotent. */
  release(): void {
    if (this.#done) return;
    this.#done = true;
    this.#idle?.unsubscribe();
    this.#idle = null;
    this.#frame?.unsubscribe();
    this.#frame = null;
    this.#budget.held -= this.#held;
    this.#held = 0;
    this.#budget.settled(this.#socket);
    this.#budget.update();
  }

  #fail(limit: ConnectionLimit, detail: string): void {
    if (this.#done) return;
    this.release();
    this.#breach(new ConnectionLimitError(this.#remote, limit, detail));
  }
}

/**
 * The node paths one proxy keeps in its registry, bounded (`maxWatchedPaths`):
 * every connection asks before it watches a node path, and a path new to the
 * proxy is admitted only while there is room. Counted per path and
 * connection, so that a path stays admitted while any connection watches it.
 */
export class WatchBudget {
  readonly #max: number;
  readonly #refs = new Map<string, number>();

  constructor(max: number) {
    this.#max = max;
  }

  /** Node paths admitted now. */
  get size(): number {
    return this.#refs.size;
  }

  /** A connection wants `nodePath`: false when it is new and the proxy is full. */
  take(nodePath: string): boolean {
    const refs = this.#refs.get(nodePath);
    if (refs === undefined && this.#refs.size >= this.#max) return false;
    this.#refs.set(nodePath, (refs ?? 0) + 1);
    return true;
  }

  /** A connection no longer watches `nodePath`. */
  give(nodePath: string): void {
    const refs = this.#refs.get(nodePath);
    if (refs === undefined) return;
    if (refs <= 1) this.#refs.delete(nodePath);
    else this.#refs.set(nodePath, refs - 1);
  }
}
