import type { Subscribable } from 'rxjs';
import { exponentialBackoff, type RetryPolicy } from '../backoff.ts';
import { OptionsError, type QueueError } from '../errors.ts';
import type { Event } from '../events/event.ts';
import { rejectUnknownOptions } from '../options.ts';
import {
  type BatchOptions,
  batchOptionNames,
  type ResolvedBatchOptions,
  resolveBatchOptions,
} from './batch-options.ts';

/**
 * Handles one batch. It may return nothing (done), a promise or an Observable
 * (done when it resolves or completes; failed when it rejects or errors).
 */
export type FlushHandler = (
  batch: readonly Event[],
  // biome-ignore lint/suspicious/noConfusingVoidType: a handler written `(batch) => { ... }` returns void.
) => void | PromiseLike<unknown> | Subscribable<unknown>;

/** How a failed batch is tried again. */
export interface RetryOptions {
  /** Further tries after the first failure; 0 sends the batch to `onError` at once. Default 0. */
  readonly max?: number;
  /**
   * Delay before retry number `attempt` (from 1), in ms; `null` gives up at
   * once. Default: 100 ms doubling up to 10 s, no jitter.
   */
  readonly backoff?: RetryPolicy;
}

/** Options of {@link EventQueue}. */
export interface EventQueueOptions extends BatchOptions {
  /** Handles each batch; at most one runs at a time. Default: none (read `flushes$`). */
  readonly onFlush?: FlushHandler;
  /**
   * Receives every failure: a batch that could not be flushed (`FlushError`,
   * with the batch), a source that errored (`SourceError`), refused events
   * (`OverflowError`). Never called twice for one failure. Default:
   * `process.emitWarning`.
   */
  readonly onError?: (error: QueueError) => void;
  /** Retries of failed batches. Default `{ max: 0 }`. */
  readonly retry?: RetryOptions;
  /**
   * Also re-throw every reported error asynchronously (on the scheduler), so
   * that it crashes the process loudly while developing. Default `false`.
   */
  readonly debug?: boolean;
}

/** {@link EventQueueOptions} validated, with every default filled in. */
export interface ResolvedEventQueueOptions extends ResolvedBatchOptions {
  readonly onFlush: FlushHandler | null;
  readonly onError: (error: QueueError) => void;
  readonly retry: { readonly max: number; readonly backoff: RetryPolicy };
  readonly debug: boolean;
}

const queueOptionNames = [...batchOptionNames, 'onFlush', 'onError', 'retry', 'debug'];
const defaultBackoff = exponentialBackoff({ initial: 100, max: 10_000, jitter: 0 });
const emitWarning = (error: QueueError): void => process.emitWarning(error);

/** Validates and completes {@link EventQueueOptions}; throws an `OptionsError` naming a bad option. */
export function resolveEventQueueOptions(options: EventQueueOptions): ResolvedEventQueueOptions {
  if (options === null || typeof options !== 'object') {
    throw new OptionsError('options', options, 'an options object');
  }
  rejectUnknownOptions(options, queueOptionNames);
  const { onFlush, onError, retry = {}, debug = false } = options;
  if (onFlush !== undefined && typeof onFlush !== 'function') {
    throw new OptionsError('onFlush', onFlush, 'a function (batch) => void | Promise');
  }
  if (onError !== undefined && typeof onError !== 'function') {
    throw new OptionsError('onError', onError, 'a function (error) => void');
  }
  if (retry === null || typeof retry !== 'object') {
    throw new OptionsError('retry', retry, 'an object { max, backoff }');
  }
  rejectUnknownOptions(retry, ['max', 'backoff'], 'retry.');
  const max = retry.max ?? 0;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 0) {
    throw new OptionsError('retry.max', max, 'a whole number >= 0');
  }
  const backoff = retry.backoff ?? defaultBackoff;
  if (typeof backoff !== 'function') {
    throw new OptionsError('retry.backoff', backoff, 'a function (attempt) => ms | null');
  }
  if (typeof debug !== 'boolean') throw new OptionsError('debug', debug, 'true or false');
  return Object.freeze({
    ...resolveBatchOptions(options),
    onFlush: onFlush ?? null,
    onError: onError ?? emitWarning,
    retry: Object.freeze({ max, backoff }),
    debug,
  });
}
