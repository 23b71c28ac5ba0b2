import type { SchedulerLike, Unsubscribable } from 'rxjs';
import type { Event } from '../events/event.ts';
import { RetryLoop } from '../retry-loop.ts';
import { settle } from '../settle.ts';
import type { ResolvedHandler } from './route-options.ts';
import { DeadLetterError, HandlerTimeoutError, RouterClosedError } from './router-errors.ts';

/** One part of a batch for one handler, and what to call once it is handled or dead-lettered. */
export interface Part {
  readonly events: readonly Event[];
  readonly done: () => void;
}

/** What a lane tells its router, to count and report. */
export interface LaneHooks {
  succeeded(part: Part): void;
  retrying(): void;
  timedOut(): void;
  deadLettered(error: DeadLetterError): void;
}

type Outcome = { readonly ok: true } | { readonly ok: false; readonly cause: unknown };

const ok: Outcome = { ok: true };

/**
 * The parts for one handler, run one at a time in the order they came, each
 * tried once plus up to `maxRetries` times on the lane's {@link RetryLoop}.
 * At most one timer (a timeout, or the loop's backoff) and one running try
 * exist at any moment; both end with the part.
 */
export class HandlerLane {
  readonly name: string;
  readonly #handler: ResolvedHandler;
  readonly #scheduler: SchedulerLike;
  readonly #hooks: LaneHooks;
  #queue: Part[] = [];
  #current: Part | null = null;
  #attempt = 0;
  /** Counts the current part's failures and runs its backoff timer; reset for each part. */
  readonly #retry: RetryLoop;
  #controller: AbortController | null = null;
  #timer: Unsubscribable | null = null;
  #work: Unsubscribable | null = null;
  /** Makes the running try's late outcome, if any, be ignored. */
  #abandon: (() => void) | null = null;
  #pumping = false;
  #closed = false;

  constructor(name: string, handler: ResolvedHandler, scheduler: SchedulerLike, hooks: LaneHooks) {
    this.name = name;
    this.#handler = handler;
    this.#scheduler = scheduler;
    this.#hooks = hooks;
    this.#retry = new RetryLoop({
      policy: handler.backoff,
      option: `${name}.retry`,
      scheduler,
      maxRetries: handler.maxRetries,
    });
  }

  /** Parts running or waiting, this one's included. */
  get size(): number {
    return this.#queue.length + (this.#current === null ? 0 : 1);
  }

  enqueue(part: Part): void {
    if (this.#closed) {
      this.#deadLetter(part, 0, new RouterClosedError());
      part.done();
      return;
    }
    this.#queue.push(part);
    this.#pump();
  }

  /** Gives up on the running and waiting parts: each becomes a dead letter; no timer is left. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const waiting = this.#queue;
    this.#queue = [];
    const current = this.#current;
    if (current !== null) {
      const reason = new RouterClosedError();
      this.#abandon?.();
      this.#controller?.abort(reason);
      this.#release();
      this.#current = null;
      this.#deadLetter(current, this.#attempt, reason);
      current.done();
    }
    for (const part of waiting) {
      this.#deadLetter(part, 0, new RouterClosedError());
      part.done();
    }
  }

  // A loop rather than recursion, so that a long queue of synchronous handlers keeps a flat stack.
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#current === null && !this.#closed) {
        const part = this.#queue.shift();
        if (part === undefined) break;
        this.#current = part;
        this.#try(part, 1);
      }
    } finally {
      this.#pumping = false;
    }
  }

  #try(part: Part, attempt: number): void {
    const { handle, timeout } = this.#handler;
    const controller = new AbortController();
    this.#attempt = attempt;
    this.#controller = controller;
    let settled = false;
    let timedOut: HandlerTimeoutError | null = null;
    const finish = (outcome: Outcome): void => {
      if (settled) return;
      settled = true;
      this.#release();
      // A handler that fails as soon as its signal aborts must not hide the timeout.
      this.#settled(part, attempt, timedOut === null ? outcome : { ok: false, cause: timedOut });
    };
    this.#abandon = () => {
      settled = true;
    };
    if (timeout !== Number.POSITIVE_INFINITY) {
      this.#timer = this.#scheduler.schedule(() => {
        this.#timer = null;
        const error = new HandlerTimeoutError(this.name, timeout, attempt);
        timedOut = error;
        this.#hooks.timedOut();
        controller.abort(error);
        finish({ ok: false, cause: error });
      }, timeout);
    }
    // settle() survives whatever the handler throws, rejects, errors or returns, and answers once.
    const work = settle(
      () => handle(part.events, { handler: this.name, attempt, signal: controller.signal }),
      (outcome) => finish(outcome.ok ? ok : { ok: false, cause: outcome.cause }),
    );
    if (work !== null) {
      if (settled) work.unsubscribe();
      else this.#work = work;
    }
  }

  #settled(part: Part, attempt: number, outcome: Outcome): void {
    if (outcome.ok) {
      this.#hooks.succeeded(part);
      this.#next(part);
      return;
    }
    // The backoff is user code: the retry loop survives it and caps what it answers.
    const step = this.#retry.failed(() => this.#try(part, attempt + 1));
    if (!step.retry) {
      this.#deadLetter(part, attempt, outcome.cause);
      this.#next(part);
      return;
    }
    this.#hooks.retrying();
  }

  #next(part: Part): void {
    // The part is done, handled or dead-lettered: the next one starts with a fresh count.
    this.#retry.succeeded();
    this.#current = null;
    part.done();
    this.#pump();
  }

  /** Cancels the timers and the running Observable, and forgets the try. */
  #release(): void {
    this.#timer?.unsubscribe();
    this.#timer = null;
    this.#retry.cancel();
    this.#work?.unsubscribe();
    this.#work = null;
    this.#controller = null;
    this.#abandon = null;
  }

  /** Reports a part as a dead letter; the caller still ends it (`done`). */
  #deadLetter(part: Part, attempts: number, cause: unknown): void {
    this.#hooks.deadLettered(new DeadLetterError(this.name, part.events, attempts, cause));
  }
}
