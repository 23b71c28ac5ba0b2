import { describeCause as causeText } from '../describe.ts';
import { BatchwatchError } from '../errors.ts';
import type { Event } from '../events/event.ts';

/** Base class of what `route()` reports to its `onError`. */
export class RouterError extends BatchwatchError {
  override readonly name: string = 'RouterError';
  override readonly code: string = 'BATCHWATCH_ROUTER';
}

/** A part of a batch failed on every try of its handler: the dead letter, with the events. */
export class DeadLetterError extends RouterError {
  override readonly name = 'DeadLetterError';
  override readonly code = 'BATCHWATCH_DEAD_LETTER';
  /** The handler's name: its key, or `fallback`. */
  readonly handler: string;
  /** The events that were not handled, in arrival order. */
  readonly events: readonly Event[];
  /** How many tries were made (0 when the router was closed before the first). */
  readonly attempts: number;

  constructor(handler: string, events: readonly Event[], attempts: number, cause: unknown) {
    const tries = attempts === 1 ? 'once' : `${attempts} times`;
    super(
      `Handler ${JSON.stringify(handler)} failed for ${events.length} event(s) (tried ${tries}): ` +
        `${causeText(cause)}`,
      { cause },
    );
    this.handler = handler;
    this.events = events;
    this.attempts = attempts;
  }
}

/** A try of a handler ran past its timeout; its signal was aborted with this error. */
export class HandlerTimeoutError extends RouterError {
  override readonly name = 'HandlerTimeoutError';
  override readonly code = 'BATCHWATCH_HANDLER_TIMEOUT';
  readonly handler: string;
  /** The timeout, in ms. */
  readonly timeout: number;
  /** The try that timed out, from 1. */
  readonly attempt: number;

  constructor(handler: string, timeout: number, attempt: number) {
    super(
      `Handler ${JSON.stringify(handler)} did not finish within ${timeout} ms (try ${attempt}). ` +
        'Make it honour its signal, or raise its timeout.',
    );
    this.handler = handler;
    this.timeout = timeout;
    this.attempt = attempt;
  }
}

/** The routing key function threw: these events of one batch were not handled. */
export class RouteKeyError extends RouterError {
  override readonly name = 'RouteKeyError';
  override readonly code = 'BATCHWATCH_ROUTE_KEY_FAILED';
  /** The events whose key threw, in arrival order. */
  readonly events: readonly Event[];

  constructor(events: readonly Event[], cause: unknown) {
    super(
      `The route key threw for ${events.length} event(s): ${causeText(cause)}. ` +
        'Make the key function total (return undefined for "no handler").',
      { cause },
    );
    this.events = events;
  }
}

/** The router was closed: the part was given up. The cause of such dead letters. */
export class RouterClosedError extends RouterError {
  override readonly name = 'RouterClosedError';
  override readonly code = 'BATCHWATCH_ROUTER_CLOSED';

  constructor() {
    super('The router is closed: the part was not handled. Build a new router.');
  }
}
