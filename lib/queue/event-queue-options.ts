import type { Subscribable } from 'rxjs';
import { exponentialBackoff, type RetryPolicy } from '../backoff.ts';
import { warnDeprecatedOption } from '../deprecated-option.ts';
import { type BatchwatchError, OptionsError, type QueueError } from '../errors.ts';
import type { Event } from '../events/event.ts';
import type { Journal } from '../journal/journal.ts';
import { optionNames, rejectUnknownOptions, resolveCount, resolveFunction } from '../options.ts';
import {
  type BatchOptions,
  batchOptionNames,
  DEFAULT_BATCH_OPTIONS,
  type ResolvedBatchOptions,
  resolveBatchOptions,
} from './batch-options.ts';
import {
  DEFAULT_HOLD_OPTIONS,
  type HoldOptions,
  holdOptionNames,
  type ResolvedHoldOptions,
  resolveHoldOptions,
} from './hold-options.ts';

/**
 * Handles one batch. It may return nothing (done), a promise or an Observable
 * (done when it resolves or completes; failed when it rejects or errors).
 */
export type FlushHandler = (
  batch: readonly Event[],
  // biome-ignore lint/suspicious/noConfusingVoidType: a handler written `(batch) => { ... }` returns void.
) => void | PromiseLike<unknown> | Subscribable<unknown>;

/**
 * The old form of the queue's `retry` option, still accepted for this minor
 * version (with one `DeprecationWarning`).
 *
 * @deprecated Give `retry` (the policy, was `retry.backoff`) and `maxRetries`
 * (was `retry.maxRetries`) side by side instead.
 */
export interface RetryOptions {
  /**
   * Retries after the first try (tries = `maxRetries + 1`); 0 sends a failed
   * batch to `onError` at once. Default 0.
   */
  readonly maxRetries?: number;
  /** @deprecated Renamed `maxRetries` (same meaning); giving both is an error. */
  readonly max?: number;
  /**
   * Delay before retry number `attempt` (from 1), in ms; `null` gives up at
   * once. Default: 100 ms doubling up to 10 s, no jitter.
   */
  readonly backoff?: RetryPolicy;
}

/** Options of {@link EventQueue}. */
export interface EventQueueOptions extends BatchOptions, HoldOptions {
  /** Handles each batch; at most one runs at a time. Default: none (read `flushes$`). */
  readonly onFlush?: FlushHandler;
  /**
   * Receives every failure: a batch that could not be flushed (`FlushError`,
   * with the batch), a source that errored (`SourceError`), refused events
   * (`OverflowError`), a source's warning when `onWarning` is not given
   * (`SourceWarning`). Never called twice for one failure. Default:
   * `process.emitWarning`.
   */
  readonly onError?: (error: QueueError) => void;
  /**
   * Receives the warnings of the sources given to `start()` (every source
   * object with a `warnings$`: reconnects, dropped malformed lines...), with
   * the source's position among the queue's sources. A warning is always a
   * `BatchwatchError`: narrow it with `instanceof` (`DockerStreamError`,
   * `FileWatchError`...) or by its `code`; a source of your own that warns
   * with anything else has it wrapped in a `SourceWarning` (the value in
   * `warning.warning`). Default: each goes to `onError` as a `SourceWarning`,
   * so that none goes unseen.
   */
  readonly onWarning?: (warning: BatchwatchError, sourceIndex: number) => void;
  /** Aborting it stops the queue, as `stop()` does (already aborted: stopped at once). Default none. */
  readonly signal?: AbortSignal;
  /**
   * Delay before retry number `attempt` (from 1) of a failed batch, in ms;
   * `null` gives up at once (the batch is dead-lettered, as after
   * `maxRetries`: whichever comes first). Only used when `maxRetries` > 0.
   * Default: 100 ms doubling up to 10 s, no jitter. The deprecated object form
   * `{ maxRetries, backoff }` is still accepted.
   */
  readonly retry?: RetryPolicy | RetryOptions;
  /**
   * Retries of a failed batch after its first try (tries = `maxRetries + 1`);
   * 0 sends a failed batch to `onError` at once. Default 0.
   */
  readonly maxRetries?: number;
  /**
   * Also re-throw every reported error asynchronously (on the scheduler), so
   * that it crashes the process loudly while developing (source warnings are
   * not re-thrown). Default `false`.
   */
  readonly debug?: boolean;
  /**
   * Makes delivery durable: every event is in the journal before the queue
   * takes it, a batch is acknowledged there once `onFlush` succeeded or it
   * was dead-lettered, and a new queue on the same journal first redelivers
   * what was not acknowledged, in order, each event marked `redelivered`
   * (see `isRedelivered`). `stop()` then keeps what it discards for the next
   * start. Default none: the in-memory queue.
   */
  readonly journal?: Journal;
}

/** {@link EventQueueOptions} validated, with every default filled in. */
export interface ResolvedEventQueueOptions extends ResolvedBatchOptions, ResolvedHoldOptions {
  readonly onFlush: FlushHandler | null;
  readonly onError: (error: QueueError) => void;
  readonly onWarning: ((warning: BatchwatchError, sourceIndex: number) => void) | null;
  readonly signal: AbortSignal | null;
  readonly retry: { readonly maxRetries: number; readonly backoff: RetryPolicy };
  readonly debug: boolean;
  readonly journal: Journal | null;
}

/** The defaults of {@link EventQueueOptions}. */
export const DEFAULT_EVENT_QUEUE_OPTIONS = Object.freeze({
  ...DEFAULT_BATCH_OPTIONS,
  ...DEFAULT_HOLD_OPTIONS,
  onError: (error: QueueError): void => process.emitWarning(error),
  retry: exponentialBackoff({ initial: 100, max: 10_000, jitter: 0 }),
  maxRetries: 0,
  debug: false,
});

const queueOptionNames = [
  ...batchOptionNames,
  ...holdOptionNames,
  ...optionNames({
    onFlush: true,
    onError: true,
    onWarning: true,
    signal: true,
    retry: true,
    maxRetries: true,
    debug: true,
    journal: true,
  } satisfies Record<
    Exclude<keyof EventQueueOptions, keyof BatchOptions | keyof HoldOptions>,
    true
  >),
];
const retryOptionNames = optionNames({
  maxRetries: true,
  max: true,
  backoff: true,
} satisfies Record<keyof RetryOptions, true>);

/** Validates and completes {@link EventQueueOptions}; throws an `OptionsError` naming a bad option. */
export function resolveEventQueueOptions(options: EventQueueOptions): ResolvedEventQueueOptions {
  if (options === null || typeof options !== 'object') {
    throw new OptionsError('options', options, 'an options object');
  }
  rejectUnknownOptions(options, queueOptionNames);
  const defaults = DEFAULT_EVENT_QUEUE_OPTIONS;
  const {
    onFlush,
    onError,
    onWarning,
    signal,
    retry,
    maxRetries,
    debug = defaults.debug,
    journal,
  } = options;
  if (typeof debug !== 'boolean') throw new OptionsError('debug', debug, 'true or false');
  return Object.freeze({
    ...resolveBatchOptions(options),
    ...resolveHoldOptions(options),
    onFlush:
      onFlush === undefined
        ? null
        : resolveFunction<FlushHandler>('onFlush', onFlush, '(batch) => void | Promise'),
    onError:
      onError === undefined
        ? defaults.onError
        : resolveFunction<(error: QueueError) => void>('onError', onError, '(error) => void'),
    onWarning:
      onWarning === undefined
        ? null
        : resolveFunction<(warning: unknown, sourceIndex: number) => void>(
            'onWarning',
            onWarning,
            '(warning, sourceIndex) => void',
          ),
    signal: signal === undefined ? null : resolveSignal(signal),
    retry: resolveRetryOptions(retry, maxRetries),
    debug,
    journal: journal === undefined ? null : resolveJournal(journal),
  });
}

function resolveJournal(journal: unknown): Journal {
  const candidate = journal as Partial<Journal> | null;
  if (typeof candidate?.append !== 'function' || typeof candidate.recover !== 'function') {
    throw new OptionsError('journal', journal, 'a Journal (a SqliteJournal)');
  }
  return candidate as Journal;
}

function resolveSignal(signal: unknown): AbortSignal {
  const candidate = signal as Partial<AbortSignal> | null;
  if (
    typeof candidate?.aborted !== 'boolean' ||
    typeof candidate.addEventListener !== 'function' ||
    typeof candidate.removeEventListener !== 'function'
  ) {
    throw new OptionsError('signal', signal, 'an AbortSignal');
  }
  return candidate as AbortSignal;
}

function resolveRetryOptions(
  retry: RetryPolicy | RetryOptions | undefined,
  maxRetries: number | undefined,
): ResolvedEventQueueOptions['retry'] {
  const defaults = DEFAULT_EVENT_QUEUE_OPTIONS;
  if (retry === undefined || typeof retry === 'function') {
    return Object.freeze({
      maxRetries: resolveCount('maxRetries', maxRetries ?? defaults.maxRetries),
      backoff: retry ?? defaults.retry,
    });
  }
  if (retry === null || typeof retry !== 'object') {
    throw new OptionsError('retry', retry, 'a policy (attempt) => ms | null');
  }
  // The deprecated form: retry: { maxRetries, backoff }.
  rejectUnknownOptions(retry, retryOptionNames, 'retry.');
  if (retry.max !== undefined && retry.maxRetries !== undefined) {
    throw new OptionsError('retry.max', retry.max, 'nothing: it was renamed retry.maxRetries');
  }
  const inner = retry.maxRetries ?? retry.max;
  if (inner !== undefined && maxRetries !== undefined) {
    throw new OptionsError('retry.maxRetries', inner, 'nothing: maxRetries is given too');
  }
  warnDeprecatedOption(
    'retry: { maxRetries, backoff }',
    'retry: policy, maxRetries: n',
    'BATCHWATCH_DEP_RETRY_OBJECT',
  );
  const option =
    retry.max !== undefined ? 'retry.max' : inner !== undefined ? 'retry.maxRetries' : 'maxRetries';
  const backoff =
    retry.backoff === undefined
      ? defaults.retry
      : resolveFunction<RetryPolicy>('retry.backoff', retry.backoff, '(attempt) => ms | null');
  return Object.freeze({
    maxRetries: resolveCount(option, inner ?? maxRetries ?? defaults.maxRetries),
    backoff,
  });
}
