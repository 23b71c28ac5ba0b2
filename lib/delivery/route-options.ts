import type { SchedulerLike, Subscribable } from 'rxjs';
import { asyncScheduler } from 'rxjs/internal/scheduler/async';
import { exponentialBackoff, type RetryPolicy } from '../backoff.ts';
import { warnDeprecatedOption } from '../deprecated-option.ts';
import { OptionsError } from '../errors.ts';
import type { Event } from '../events/event.ts';
import type { Journal } from '../journal/journal.ts';
import {
  optionNames,
  rejectUnknownOptions,
  resolveCount,
  resolveDuration,
  resolveFunction,
  resolveScheduler,
} from '../options.ts';
import type { RouteKey } from './route-key.ts';
import type { RouterError } from './router-errors.ts';

/** What a handler gets besides its events. */
export interface HandlerContext {
  /** The handler's name: its key, or `fallback`. */
  readonly handler: string;
  /** Which try this is, from 1. */
  readonly attempt: number;
  /**
   * Aborted when this try times out (reason: a `HandlerTimeoutError`) or the
   * router is closed (reason: a `RouterClosedError`). Pass it on: the router
   * does not wait for a try it gave up on.
   */
  readonly signal: AbortSignal;
}

/**
 * Handles one part of a batch: the events of one key, in arrival order. It
 * may return nothing (done), a promise or an Observable (done when it
 * resolves or completes; failed when it throws, rejects or errors).
 */
export type RouteHandler = (
  events: readonly Event[],
  context: HandlerContext,
  // biome-ignore lint/suspicious/noConfusingVoidType: a handler written `(events) => { ... }` returns void.
) => void | PromiseLike<unknown> | Subscribable<unknown>;

/**
 * The old form of a router's or handler's `retry` option, still accepted for
 * this minor version (with one `DeprecationWarning`).
 *
 * @deprecated Give `retry` (the policy, was `retry.backoff`) and `maxRetries`
 * (was `retry.maxRetries`) side by side instead.
 */
export interface HandlerRetryOptions {
  /**
   * Retries after the first try (tries in all: `maxRetries + 1`); 0
   * dead-letters a part on its first failure. Default 0.
   */
  readonly maxRetries?: number;
  /**
   * Delay before retry number `attempt` (from 1), in ms; `null` gives up at
   * once. Default: 100 ms doubling up to 10 s, with 20 % jitter.
   */
  readonly backoff?: RetryPolicy;
}

/** A handler with its own retry policy and timeout. */
export interface HandlerOptions {
  /** The handler (required). */
  readonly handle: RouteHandler;
  /** This handler's retry policy. Default: the router's `retry`. */
  readonly retry?: RetryPolicy | HandlerRetryOptions;
  /** This handler's retries after the first try. Default: the router's `maxRetries`. */
  readonly maxRetries?: number;
  /** This handler's timeout per try, in ms. Default: the router's `timeout`. */
  readonly timeout?: number;
}

/** Options of `route()`. */
export interface RouteOptions {
  /** Which handler an event goes to: `byType`, `byActionGroup` or a function (required). */
  readonly key: RouteKey;
  /** The handlers, by key (required; may be empty when there is a `fallback`). */
  readonly handlers: Readonly<Record<string, RouteHandler | HandlerOptions>>;
  /**
   * Handles the events whose key has no handler (or is `undefined`), as one
   * part named `fallback`. Default: none; such events are only counted, as
   * `unrouted` in `stats()`.
   */
  readonly fallback?: RouteHandler | HandlerOptions;
  /**
   * Delay before retry number `attempt` (from 1) of a failed part, in ms, for
   * every handler that sets none of its own; `null` gives up at once (the
   * part is dead-lettered, as after `maxRetries`: whichever comes first).
   * Default: 100 ms doubling up to 10 s, with 20 % jitter. The deprecated
   * object form `{ maxRetries, backoff }` is still accepted.
   */
  readonly retry?: RetryPolicy | HandlerRetryOptions;
  /**
   * Retries after the first try (tries in all: `maxRetries + 1`) of every
   * handler that sets none of its own; 0 dead-letters a part on its first
   * failure. Default 0.
   */
  readonly maxRetries?: number;
  /** Timeout of each try of every handler, in ms; `Infinity` for none. Default `Infinity`. */
  readonly timeout?: number;
  /**
   * Receives each part that failed on every try (`DeadLetterError`, with its
   * events and handler), and the events whose key threw (`RouteKeyError`).
   * Default: `process.emitWarning`.
   */
  readonly onError?: (error: RouterError) => void;
  /** Where the backoff and timeout timers come from. Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /**
   * Keeps each dead-lettered part there (the queue's journal), before the
   * batch it came from is acknowledged: listable and replayable after a
   * restart. Default none (only `onError` hears of it).
   */
  readonly journal?: Pick<Journal, 'keepDeadLetter'>;
}

/** A handler with its policy resolved. */
export interface ResolvedHandler {
  readonly handle: RouteHandler;
  readonly maxRetries: number;
  readonly backoff: RetryPolicy;
  readonly timeout: number;
}

/** {@link RouteOptions} validated, with every default filled in. */
export interface ResolvedRouteOptions {
  readonly key: RouteKey;
  readonly handlers: ReadonlyMap<string, ResolvedHandler>;
  readonly fallback: ResolvedHandler | null;
  readonly onError: (error: RouterError) => void;
  readonly scheduler: SchedulerLike;
  readonly journal: Pick<Journal, 'keepDeadLetter'> | null;
}

/** The defaults of {@link RouteOptions}, and of each handler's retry and timeout. */
export const DEFAULT_ROUTE_OPTIONS = Object.freeze({
  retry: exponentialBackoff({ initial: 100, max: 10_000, jitter: 0.2 }),
  maxRetries: 0,
  timeout: Number.POSITIVE_INFINITY,
  onError: (error: RouterError): void => process.emitWarning(error),
  scheduler: asyncScheduler as SchedulerLike,
});

const names = optionNames({
  key: true,
  handlers: true,
  fallback: true,
  retry: true,
  maxRetries: true,
  timeout: true,
  onError: true,
  scheduler: true,
  journal: true,
} satisfies Record<keyof RouteOptions, true>);
const handlerNames = optionNames({
  handle: true,
  retry: true,
  maxRetries: true,
  timeout: true,
} satisfies Record<keyof HandlerOptions, true>);
const retryNames = optionNames({
  maxRetries: true,
  backoff: true,
} satisfies Record<keyof HandlerRetryOptions, true>);

/** Validates and completes {@link RouteOptions}; throws an `OptionsError` naming a bad option. */
export function resolveRouteOptions(options: RouteOptions): ResolvedRouteOptions {
  if (options === null || typeof options !== 'object') {
    throw new OptionsError('options', options, 'an options object');
  }
  rejectUnknownOptions(options, names);
  const { handlers, fallback } = options;
  if (typeof options.key !== 'function') {
    throw new OptionsError(
      'key',
      options.key,
      'byType, byActionGroup or a function (event) => string',
    );
  }
  if (handlers === null || typeof handlers !== 'object') {
    throw new OptionsError('handlers', handlers, 'an object { [key]: handler }');
  }
  const onError = resolveFunction<(error: RouterError) => void>(
    'onError',
    options.onError ?? DEFAULT_ROUTE_OPTIONS.onError,
    '(error) => void',
  );
  const scheduler = resolveScheduler(
    'scheduler',
    options.scheduler ?? DEFAULT_ROUTE_OPTIONS.scheduler,
  );
  const defaults = resolvePolicy(options, '', null);
  const resolved = new Map<string, ResolvedHandler>();
  for (const [name, handler] of Object.entries(handlers)) {
    resolved.set(name, resolveHandler(handler, `handlers.${name}`, defaults));
  }
  if (resolved.size === 0 && fallback === undefined) {
    throw new OptionsError('handlers', handlers, 'at least one handler, or a fallback');
  }
  return Object.freeze({
    key: options.key,
    handlers: resolved,
    fallback: fallback === undefined ? null : resolveHandler(fallback, 'fallback', defaults),
    onError,
    scheduler,
    journal: resolveRouteJournal(options.journal),
  });
}

function resolveRouteJournal(journal: unknown): Pick<Journal, 'keepDeadLetter'> | null {
  if (journal === undefined) return null;
  if (typeof (journal as Partial<Journal> | null)?.keepDeadLetter !== 'function') {
    throw new OptionsError('journal', journal, "a Journal (the queue's)");
  }
  return journal as Pick<Journal, 'keepDeadLetter'>;
}

type Policy = Omit<ResolvedHandler, 'handle'>;

function resolveHandler(
  handler: RouteHandler | HandlerOptions,
  name: string,
  defaults: Policy,
): ResolvedHandler {
  if (typeof handler === 'function') return Object.freeze({ ...defaults, handle: handler });
  if (handler === null || typeof handler !== 'object' || typeof handler.handle !== 'function') {
    throw new OptionsError(
      name,
      handler,
      'a function (events, context) => void | Promise, or { handle }',
    );
  }
  rejectUnknownOptions(handler, handlerNames, `${name}.`);
  const policy = resolvePolicy(handler, `${name}.`, defaults);
  return Object.freeze({ ...policy, handle: handler.handle });
}

/** The retry policy, retry count and timeout of `given` (a router or a handler), over `defaults`. */
function resolvePolicy(
  given: Pick<HandlerOptions, 'retry' | 'maxRetries' | 'timeout'>,
  prefix: string,
  defaults: Policy | null,
): Policy {
  const fallback = defaults ?? {
    maxRetries: DEFAULT_ROUTE_OPTIONS.maxRetries,
    backoff: DEFAULT_ROUTE_OPTIONS.retry,
    timeout: DEFAULT_ROUTE_OPTIONS.timeout,
  };
  let { retry, maxRetries } = given;
  let countName = `${prefix}maxRetries`;
  let policyName = `${prefix}retry`;
  if (retry !== undefined && typeof retry !== 'function') {
    if (retry === null || typeof retry !== 'object') {
      throw new OptionsError(`${prefix}retry`, retry, 'a policy (attempt) => ms | null');
    }
    // The deprecated form: retry: { maxRetries, backoff }.
    rejectUnknownOptions(retry, retryNames, `${prefix}retry.`);
    if (retry.maxRetries !== undefined && maxRetries !== undefined) {
      throw new OptionsError(
        `${prefix}retry.maxRetries`,
        retry.maxRetries,
        `nothing: ${prefix}maxRetries is given too`,
      );
    }
    warnDeprecatedOption(
      'retry: { maxRetries, backoff }',
      'retry: policy, maxRetries: n',
      'BATCHWATCH_DEP_RETRY_OBJECT',
    );
    if (retry.maxRetries !== undefined) countName = `${prefix}retry.maxRetries`;
    if (retry.backoff !== undefined) policyName = `${prefix}retry.backoff`;
    maxRetries ??= retry.maxRetries;
    retry = retry.backoff;
  }
  const resolvedMax = resolveCount(countName, maxRetries ?? fallback.maxRetries);
  const backoff = resolveFunction<RetryPolicy>(
    policyName,
    retry ?? fallback.backoff,
    '(attempt) => ms | null',
  );
  const timeout = given.timeout ?? fallback.timeout;
  resolveDuration(`${prefix}timeout`, timeout, { exclusive: true, infinity: true });
  return { maxRetries: resolvedMax, backoff, timeout };
}
