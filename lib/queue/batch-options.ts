import type { SchedulerLike } from 'rxjs';
import { asyncScheduler } from 'rxjs/internal/scheduler/async';
import { OptionsError } from '../errors.ts';
import {
  optionNames,
  resolveCount,
  resolveDuration,
  resolveOneOf,
  resolveScheduler,
} from '../options.ts';
import { type CoalesceKey, defaultCoalesceKey } from './coalesce.ts';

/** What happens to an event that arrives while `capacity` events are pending. */
export const OverflowPolicy = {
  /** Collapse the pending events into one ForceReload per event type: consumers re-list. */
  ForceReload: 'force-reload',
  /** Drop the oldest pending event to make room. */
  DropOldest: 'drop-oldest',
  /** Drop the arriving event. */
  DropNewest: 'drop-newest',
  /** Drop the arriving event and report an OverflowError (once until the next flush). */
  Error: 'error',
} as const;

/** One of the {@link OverflowPolicy} values. */
export type OverflowPolicy = (typeof OverflowPolicy)[keyof typeof OverflowPolicy];

/** How events are grouped into batches; shared by `batchEvents` and `EventQueue`. */
export interface BatchOptions {
  /** How long a batch window stays open after its first event, in ms. Default 300. */
  readonly flushInterval?: number;
  /** Close the window early once this many events are pending. Default `Infinity`. */
  readonly maxBatch?: number;
  /** How many events may be pending at once (`Infinity` for no bound). Default 100000. */
  readonly capacity?: number;
  /** What to do with events beyond `capacity`. Default `'force-reload'`. */
  readonly overflow?: OverflowPolicy;
  /**
   * Keep one event per key per batch, merged by the rules of `mergeEvents`.
   * `true` keys by type and actor (container id, path); a function gives the
   * key. Default `false`.
   */
  readonly coalesce?: boolean | CoalesceKey;
  /** Where time comes from. Default `asyncScheduler`; pass a `TestScheduler` in tests. */
  readonly scheduler?: SchedulerLike;
}

/** {@link BatchOptions} validated, with every default filled in. */
export interface ResolvedBatchOptions {
  readonly flushInterval: number;
  readonly maxBatch: number;
  readonly capacity: number;
  readonly overflow: OverflowPolicy;
  readonly coalesce: CoalesceKey | null;
  readonly scheduler: SchedulerLike;
}

/** The defaults of {@link BatchOptions}. */
export const DEFAULT_BATCH_OPTIONS = Object.freeze({
  flushInterval: 300,
  maxBatch: Number.POSITIVE_INFINITY,
  capacity: 100_000,
  overflow: OverflowPolicy.ForceReload,
  coalesce: false,
  scheduler: asyncScheduler,
} satisfies Required<BatchOptions>);

/** The names of {@link BatchOptions}, for spotting misspelled options. */
export const batchOptionNames = optionNames({
  flushInterval: true,
  maxBatch: true,
  capacity: true,
  overflow: true,
  coalesce: true,
  scheduler: true,
} satisfies Record<keyof BatchOptions, true>);

/** Validates and completes {@link BatchOptions}; throws an `OptionsError` naming a bad option. */
export function resolveBatchOptions(options: BatchOptions): ResolvedBatchOptions {
  const defaults = DEFAULT_BATCH_OPTIONS;
  const flushInterval = resolveDuration(
    'flushInterval',
    options.flushInterval ?? defaults.flushInterval,
    { exclusive: true },
  );
  const count = { min: 1, infinity: true };
  const maxBatch = resolveCount('maxBatch', options.maxBatch ?? defaults.maxBatch, count);
  const capacity = resolveCount('capacity', options.capacity ?? defaults.capacity, count);
  if (Number.isFinite(maxBatch) && maxBatch > capacity) {
    throw new OptionsError(
      'maxBatch',
      maxBatch,
      `a count <= capacity (${capacity}): a batch can never hold more than capacity`,
    );
  }
  const overflow = resolveOneOf('overflow', options.overflow ?? defaults.overflow, OverflowPolicy);
  const coalesce: unknown = options.coalesce ?? defaults.coalesce;
  if (typeof coalesce !== 'boolean' && typeof coalesce !== 'function') {
    throw new OptionsError('coalesce', coalesce, 'true, false or a function (event) => key');
  }
  return Object.freeze({
    flushInterval,
    maxBatch,
    capacity,
    overflow,
    coalesce:
      coalesce === true
        ? defaultCoalesceKey
        : coalesce === false
          ? null
          : (coalesce as CoalesceKey),
    scheduler: resolveScheduler('scheduler', options.scheduler ?? defaults.scheduler),
  });
}
