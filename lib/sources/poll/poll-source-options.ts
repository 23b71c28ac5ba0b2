import type { SchedulerLike, Subscribable } from 'rxjs';
import { asyncScheduler } from 'rxjs/internal/scheduler/async';
import { exponentialBackoff, type RetryPolicy } from '../../backoff.ts';
import { readRenamedOption } from '../../deprecated-option.ts';
import { OptionsError } from '../../errors.ts';
import type { Event } from '../../events/event.ts';
import {
  type CheckpointStore,
  resolveCheckpointName,
  resolveCheckpointStore,
} from '../../journal/checkpoint-store.ts';
import {
  optionNames,
  rejectUnknownOptions,
  resolveCount,
  resolveDuration,
  resolveFunction,
  resolveScheduler,
} from '../../options.ts';
import { isRevision, type Revision } from './revision.ts';

/** One raw change of the feed, as `fetch` returns it: anything that carries its revision. */
export interface PollRecord {
  /** The revision of this change: a decimal string, increasing along the feed. */
  readonly revision: Revision;
}

/** What the source asks `fetch` for. */
export interface PollRequest {
  /**
   * Send the changes after this revision: the last one delivered, or
   * `startRevision` before any. `undefined` on the very first fetch of a
   * source started "from now" (no `startRevision`): only `currentRevision`
   * is wanted then, and the changes of that response are not delivered.
   */
  readonly sinceRevision: Revision | undefined;
  /** Aborted when the watch stops (the last subscriber left): pass it to the request. */
  readonly signal: AbortSignal;
}

/** What `fetch` answers. */
export interface PollResponse<Raw extends PollRecord = PollRecord> {
  /**
   * The changes after `sinceRevision`, in increasing revision order. A page
   * may stop before `currentRevision`: the source then fetches again at once.
   */
  readonly events: readonly Raw[];
  /** The newest revision the server has. */
  readonly currentRevision: Revision;
  /** The oldest revision the server still has history after; older requests fail. */
  readonly compactRevision?: Revision | undefined;
}

/**
 * Fetches the changes after a revision. It may return a promise or an
 * Observable (its first value is the response; handy for virtual-time tests).
 * A throw, a rejection or an error is a failed fetch, retried with backoff.
 */
export type PollFetch<Raw extends PollRecord = PollRecord> = (
  request: PollRequest,
) => PromiseLike<PollResponse<Raw>> | Subscribable<PollResponse<Raw>>;

/** Options of `pollSource()`. */
export interface PollSourceOptions<Raw extends PollRecord = PollRecord> {
  /** Fetches the changes after a revision (required). */
  readonly fetch: PollFetch<Raw>;
  /** Turns one raw change into an Event (required). A throw is fatal (`PollMappingError`). */
  readonly toEvent: (raw: Raw) => Event;
  /** Time between polls once caught up, in ms. Default 1000. */
  readonly interval?: number;
  /**
   * Deliver the changes after this revision. Default: none, "from now": the
   * first fetch (with `sinceRevision: undefined`) only learns the server's
   * current revision and delivers nothing.
   */
  readonly startRevision?: Revision;
  /**
   * Retries after a failed fetch: failure number `maxRetries + 1` in a row
   * ends the stream with a `PollFailedError` (the ones before are warnings,
   * each retried after a backoff). Any success resets the count. `0` gives
   * up at the first failure; `Infinity` never gives up. Default 2 (the third
   * failure in a row is fatal).
   */
  readonly maxRetries?: number;
  /**
   * Delay before retry number `attempt` (from 1) after a failed fetch, in ms;
   * `null` gives up at once (as `maxRetries` does: whichever comes first).
   * Default: capped exponential backoff with 20 % jitter, from `interval`
   * doubling up to 30 s (or `interval`, if larger).
   */
  readonly retry?: RetryPolicy;
  /** @deprecated Renamed `retry` (same meaning); giving both is an error. */
  readonly backoff?: RetryPolicy;
  /** Where the timers come from. Default `asyncScheduler`; pass a `TestScheduler` in tests. */
  readonly scheduler?: SchedulerLike;
  /**
   * Resumes after a restart: the revision saved there under `checkpointName`
   * (if any) replaces `startRevision`, and every delivered page saves its
   * last revision there. Give the queue's journal: the revision is then
   * committed with the events it covers. Default none.
   */
  readonly checkpoint?: CheckpointStore;
  /** The checkpoint's name: one per feed sharing a journal. Default `'poll'`. */
  readonly checkpointName?: string;
}

/** {@link PollSourceOptions} validated, with every default filled in. */
export interface ResolvedPollSourceOptions<Raw extends PollRecord = PollRecord> {
  readonly fetch: PollFetch<Raw>;
  readonly toEvent: (raw: Raw) => Event;
  readonly interval: number;
  readonly startRevision: Revision | null;
  readonly maxRetries: number;
  readonly retry: RetryPolicy;
  readonly scheduler: SchedulerLike;
  readonly checkpoint: CheckpointStore | null;
  readonly checkpointName: string;
}

/**
 * The defaults of {@link PollSourceOptions}. The default `retry` depends on
 * `interval`: `exponentialBackoff({ initial: interval, max: max(30 s, interval) })`.
 */
export const DEFAULT_POLL_SOURCE_OPTIONS = Object.freeze({
  interval: 1000,
  maxRetries: 2,
  scheduler: asyncScheduler as SchedulerLike,
  checkpointName: 'poll',
});

const names = optionNames({
  fetch: true,
  toEvent: true,
  interval: true,
  startRevision: true,
  maxRetries: true,
  retry: true,
  backoff: true,
  scheduler: true,
  checkpoint: true,
  checkpointName: true,
} satisfies Record<keyof PollSourceOptions, true>);

/** Validates and completes {@link PollSourceOptions}; throws an `OptionsError` naming a bad option. */
export function resolvePollSourceOptions<Raw extends PollRecord>(
  options: PollSourceOptions<Raw>,
): ResolvedPollSourceOptions<Raw> {
  if (options === null || typeof options !== 'object') {
    throw new OptionsError('options', options, 'an options object');
  }
  rejectUnknownOptions(options, names);
  const defaults = DEFAULT_POLL_SOURCE_OPTIONS;
  const checkpoint = resolveCheckpointStore('checkpoint', options.checkpoint);
  const checkpointName = resolveCheckpointName(
    'checkpointName',
    options.checkpointName ?? defaults.checkpointName,
  );
  const saved = checkpoint?.checkpoint(checkpointName);
  if (saved !== undefined && !isRevision(saved)) {
    throw new OptionsError('checkpoint', saved, `a saved revision under "${checkpointName}"`);
  }
  const startRevision = saved ?? options.startRevision;
  const interval = resolveDuration('interval', options.interval ?? defaults.interval, {
    exclusive: true,
  });
  if (startRevision !== undefined && !isRevision(startRevision)) {
    throw new OptionsError('startRevision', startRevision, 'a decimal string of digits, like "42"');
  }
  return Object.freeze({
    fetch: resolveFunction<PollFetch<Raw>>(
      'fetch',
      options.fetch,
      '({ sinceRevision, signal }) => Promise',
    ),
    toEvent: resolveFunction<(raw: Raw) => Event>('toEvent', options.toEvent, '(raw) => Event'),
    interval,
    startRevision: startRevision ?? null,
    maxRetries: resolveCount('maxRetries', options.maxRetries ?? defaults.maxRetries, {
      infinity: true,
    }),
    retry: resolveFunction<RetryPolicy>(
      options.backoff === undefined ? 'retry' : 'backoff',
      readRenamedOption(options, 'retry', 'backoff') ??
        exponentialBackoff({ initial: interval, max: Math.max(30_000, interval) }),
      '(attempt) => ms | null',
    ),
    scheduler: resolveScheduler('scheduler', options.scheduler ?? defaults.scheduler),
    checkpoint,
    checkpointName,
  });
}
