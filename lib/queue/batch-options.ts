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
  /**
   * A fixed window: how long a batch window stays open after its first event,
   * in ms. Default 300. Not with `quiet`.
   */
  readonly flushInterval?: number;
  /**
   * Settle instead of a fixed window: the window closes once no event came
   * for `quiet` ms (a trailing window, watchman's settle), and never later
   * than `maxWait` ms after its first event. Default: none (the fixed
   * `flushInterval` window). Not with `flushInterval`.
   */
  readonly quiet?: number;
  /** With `quiet`: the longest a settling window stays open, in ms (`>= quiet`). Default 10000. */
  readonly maxWait?: number;
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
  /** `null`: the fixed `flushInterval` window. */
  readonly quiet: number | null;
  readonly maxWait: number;
  readonly maxBatch: number;
  readonly capacity: number;
  readonly overflow: OverflowPolicy;
  readonly coalesce: CoalesceKey | null;
  readonly scheduler: SchedulerLike;
}

/** The defaults of {@link BatchOptions}. */
export const DEFAULT_BATCH_OPTIONS = Object.freeze({
  flushInterval: 300,
  quiet: null,
  maxWait: 10_000,
  maxBatch: Number.POSITIVE_INFINITY,
  capacity: 100_000,
  overflow: OverflowPolicy.ForceReload,
  coalesce: false,
  scheduler: asyncScheduler,
} satisfies { [K in keyof BatchOptions]-?: BatchOptions[K] | null });

/** The names of {@link BatchOptions}, for spotting misspelled options. */
export const batchOptionNames = optionNames({
  flushInterval: true,
  quiet: true,
  maxWait: true,
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
  const { quiet, maxWait } = resolveSettle(options);
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
    quiet,
    maxWait,
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

/** `quiet` and `maxWait`: a settling window, or `quiet: null` for the fixed one. */
function resolveSettle(options: BatchOptions): { quiet: number | null; maxWait: number } {
  const defaults = DEFAULT_BATCH_OPTIONS;
  if (options.quiet === undefined) {
    if (options.maxWait !== undefined) {
      throw new OptionsError(
        'maxWait',
        options.maxWait,
        'nothing without quiet: it caps a settling window',
      );
    }
    return { quiet: null, maxWait: defaults.maxWait };
  }
  if (options.flushInterval !== undefined) {
    throw new OptionsError(
      'flushInterval',
      options.flushInterval,
      'nothing with quiet: a window is fixed (flushInterval) or settles (quiet, maxWait)',
    );
  }
  const quiet = resolveDuration('quiet', options.quiet, { exclusive: true });
  const maxWait = resolveDuration('maxWait', options.maxWait ?? defaults.maxWait, {
    exclusive: true,
  });
  if (maxWait < quiet) {
    throw new OptionsError('maxWait', maxWait, `a duration >= quiet (${quiet})`);
  }
  return { quiet, maxWait };
}
