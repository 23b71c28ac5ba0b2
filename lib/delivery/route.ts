import createDebug from 'debug';
import { describe, describeCause } from '../describe.ts';
import { CallbackError } from '../errors.ts';
import type { Event } from '../events/event.ts';
import type { Journal } from '../journal/journal.ts';
import { HandlerLane, type LaneHooks } from './handler-lane.ts';
import { type RouteOptions, resolveRouteOptions } from './route-options.ts';
import { type DeadLetterError, RouteKeyError, type RouterError } from './router-errors.ts';

const log = createDebug('batchwatch:route');

/** Counters of a {@link Router}, from `router.stats()`. */
export interface RouterStats {
  /** Events in parts a handler succeeded with. */
  readonly handled: number;
  /** Events whose key has no handler, with no `fallback`: dropped, by design. */
  readonly unrouted: number;
  /** Events in parts that failed on every try (dead letters) or were given up by `close()`. */
  readonly deadLettered: number;
  /** Events whose key function threw (reported as `RouteKeyError`). */
  readonly keyErrors: number;
  /** Retries of failed parts. */
  readonly retried: number;
  /** Tries that ran past their timeout. */
  readonly timedOut: number;
  /** Parts running, waiting for a retry, or waiting for their handler to be free. */
  readonly pending: number;
}

/**
 * An `onFlush` for `EventQueue` that splits each batch by key among
 * handlers. Its promise resolves once every part of the batch has been
 * handled or dead-lettered, and never rejects.
 */
export interface Router {
  (batch: readonly Event[]): Promise<void>;
  /** A snapshot of the counters. */
  stats(): RouterStats;
  /**
   * Gives up on every part still running or waiting: their signals abort,
   * their timers are cancelled, and each is reported as a `DeadLetterError`
   * caused by a `RouterClosedError`, as is every part of a later batch.
   * Pending batch promises resolve. All of that happens at once; the promise
   * it returns (the same one every time) is already settled when it returns.
   */
  close(): Promise<void>;
  /** `await using router = route(...)` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void>;
  /** `using router = route(...)` closes it at the end of the scope. */
  [Symbol.dispose](): void;
}

/**
 * Builds an `onFlush` that splits each batch by `key` (`byType`,
 * `byActionGroup`, or a function) and hands each part, in arrival order, to
 * the handler of that key. Handlers run in isolation: one failing, hanging
 * or throwing does not hold up or stop the others. Each handler has its own
 * retry policy (`retry`, `maxRetries`) and per-try timeout (an
 * `AbortSignal`); a part that still fails after its last try is reported
 * once to `onError` as a `DeadLetterError` carrying the events, the handler
 * name, the tries and the last cause. Parts for one handler never run
 * concurrently, across batches too (unless a try is abandoned at its
 * timeout while ignoring its signal). Events with no handler for their key
 * go to `fallback` or, without one, are dropped and counted as `unrouted`.
 * No timer is left once every batch is done.
 *
 * @throws OptionsError at once for bad options.
 * @example
 * const queue = new EventQueue({
 *   onFlush: route({
 *     key: byActionGroup,
 *     handlers: {
 *       'container-start': (events) => addRoutes(events),
 *       'container-stop': { handle: removeRoutes, maxRetries: 2, timeout: 5000 },
 *       reload: () => relistEverything(),
 *     },
 *   }),
 * });
 */
export function route(options: RouteOptions): Router {
  const { key, handlers, fallback, onError, scheduler, journal } = resolveRouteOptions(options);
  const counters = {
    handled: 0,
    unrouted: 0,
    deadLettered: 0,
    keyErrors: 0,
    retried: 0,
    timedOut: 0,
  };
  const report = (error: RouterError): void => {
    log('%s: %s', error.name, error.message);
    try {
      onError(error);
    } catch (err) {
      // onError itself failed: throw asynchronously so it crashes loudly instead of vanishing.
      const thrown = new CallbackError('onError', err, error);
      scheduler.schedule(() => {
        throw thrown;
      });
    }
  };
  const hooks: LaneHooks = {
    succeeded: (part) => {
      counters.handled += part.events.length;
    },
    retrying: () => {
      counters.retried++;
    },
    timedOut: () => {
      counters.timedOut++;
    },
    deadLettered: (error) => {
      counters.deadLettered += error.events.length;
      // Kept before the part is done, hence before the queue acknowledges its batch.
      if (journal !== null) keepDeadLetter(journal, error, log);
      report(error);
    },
  };
  const lanes = new Map<string, HandlerLane>();
  for (const [name, handler] of handlers) {
    lanes.set(name, new HandlerLane(name, handler, scheduler, hooks));
  }
  const fallbackLane =
    fallback === null ? null : new HandlerLane('fallback', fallback, scheduler, hooks);
  const allLanes = fallbackLane === null ? [...lanes.values()] : [...lanes.values(), fallbackLane];

  const router = (batch: readonly Event[]): Promise<void> => {
    const parts = new Map<HandlerLane, Event[]>();
    const failedKeys: Event[] = [];
    let keyCause: unknown;
    for (const event of batch) {
      let name: string | undefined;
      try {
        name = key(event);
      } catch (err) {
        if (failedKeys.length === 0) keyCause = err;
        failedKeys.push(event);
        continue;
      }
      const lane = (name === undefined ? undefined : lanes.get(name)) ?? fallbackLane;
      if (lane === null) {
        counters.unrouted++;
        log('unrouted: no handler for key %s', describe(name));
        continue;
      }
      const part = parts.get(lane);
      if (part === undefined) parts.set(lane, [event]);
      else part.push(event);
    }
    if (failedKeys.length > 0) {
      counters.keyErrors += failedKeys.length;
      report(new RouteKeyError(failedKeys, keyCause));
    }
    if (parts.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      let left = parts.size;
      const done = (): void => {
        if (--left === 0) resolve();
      };
      for (const [lane, events] of parts) lane.enqueue({ events, done });
    });
  };
  let closed: Promise<void> | null = null;
  const close = (): Promise<void> => {
    if (closed === null) {
      for (const lane of allLanes) lane.close();
      closed = Promise.resolve();
    }
    return closed;
  };
  return Object.assign(router, {
    stats: (): RouterStats => ({
      ...counters,
      pending: allLanes.reduce((sum, lane) => sum + lane.size, 0),
    }),
    close,
    [Symbol.asyncDispose]: close,
    [Symbol.dispose]: (): void => void close(),
  });
}

/** Keeps a dead-lettered part in the journal; a failure to do so is logged, the part still ends. */
function keepDeadLetter(
  journal: Pick<Journal, 'keepDeadLetter'>,
  error: DeadLetterError,
  debug: (formatter: string, ...args: unknown[]) => void,
): void {
  try {
    const kept = journal.keepDeadLetter(
      error.events,
      error.attempts,
      `${error.handler}: ${describeCause(error.cause)}`,
    );
    if (kept !== undefined)
      Promise.resolve(kept).catch((err: unknown) => debug('keeping a dead letter failed: %O', err));
  } catch (err) {
    debug('keeping a dead letter failed: %O', err);
  }
}
