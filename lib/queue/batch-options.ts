import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { OptionsError } from '../errors.ts';
import { resolveDuration } from '../options.ts';
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

const overflowPolicies: ReadonlySet<unknown> = new Set(Object.values(OverflowPolicy));

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

/** The names of {@link BatchOptions}, for spotting misspelled options. */
export const batchOptionNames: readonly string[] = [
  'flushInterval',
  'maxBatch',
  'capacity',
  'overflow',
  'coalesce',
  'scheduler',
];

/** Validates and completes {@link BatchOptions}; throws an `OptionsError` naming a bad option. */
export function resolveBatchOptions(options: BatchOptions): ResolvedBatchOptions {
  const flushInterval = options.flushInterval ?? 300;
  resolveDuration('flushInterval', flushInterval, { exclusive: true });
  const maxBatch = countOption('maxBatch', options.maxBatch, Number.POSITIVE_INFINITY);
  const capacity = countOption('capacity', options.capacity, 100_000);
  if (Number.isFinite(maxBatch) && maxBatch > capacity) {
    throw new OptionsError(
      'maxBatch',
      maxBatch,
      `a count <= capacity (${capacity}): a batch can never hold more than capacity`,
    );
  }
  const overflow = options.overflow ?? OverflowPolicy.ForceReload;
  if (!overflowPolicies.has(overflow)) {
    throw new OptionsError('overflow', overflow, `one of ${[...overflowPolicies].join(', ')}`);
  }
  const coalesce = options.coalesce ?? false;
  if (typeof coalesce !== 'boolean' && typeof coalesce !== 'function') {
    throw new OptionsError('coalesce', coalesce, 'true, false or a function (event) => key');
  }
  const scheduler = options.scheduler ?? asyncScheduler;
  if (typeof scheduler?.schedule !== 'function' || typeof scheduler.now !== 'function') {
    throw new OptionsError('scheduler', scheduler, 'an RxJS SchedulerLike');
  }
  return Object.freeze({
    flushInterval,
    maxBatch,
    capacity,
    overflow,
    coalesce: coalesce === true ? defaultCoalesceKey : coalesce === false ? null : coalesce,
    scheduler,
  });
}

/** A whole number >= 1, or `Infinity`. */
function countOption(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (value === Number.POSITIVE_INFINITY) return value;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new OptionsError(name, value, 'a whole number >= 1, or Infinity');
  }
  return value;
}
