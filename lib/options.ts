import type { SchedulerLike } from 'rxjs';
import { OptionsError } from './errors.ts';

/**
 * Throws an `OptionsError` for a key of `options` that is not in `known`: a
 * misspelled option. `prefix` names nested options (`retry.`).
 */
export function rejectUnknownOptions(options: object, known: readonly string[], prefix = ''): void {
  for (const [key, value] of Object.entries(options)) {
    if (!known.includes(key)) {
      throw OptionsError.unknown(
        `${prefix}${key}`,
        value,
        known.map((name) => `${prefix}${name}`),
      );
    }
  }
}

/** The longest timer Node runs as asked: a longer one fires after 1 ms with a TimeoutOverflowWarning. */
export const MAX_DURATION_MS = 2_147_483_647;

/** What a duration option accepts, for {@link resolveDuration}. */
export interface DurationRule {
  /** Smallest value; default 0. */
  readonly min?: number;
  /** Whether `min` itself is refused (`> min` rather than `>= min`). Default false. */
  readonly exclusive?: boolean;
  /** Whether the value must be a whole number of ms. Default false. */
  readonly integer?: boolean;
  /** Whether `Infinity` is accepted (meaning "never"). Default false. */
  readonly infinity?: boolean;
}

/**
 * Validates a duration option in ms: a number, finite (unless `infinity`),
 * at least `min`, a whole number when `integer`, and at most
 * {@link MAX_DURATION_MS}. Throws an `OptionsError` naming `option`.
 *
 * @example resolveDuration('flushInterval', options.flushInterval ?? 300, { min: 0, exclusive: true })
 */
export function resolveDuration(option: string, value: unknown, rule: DurationRule = {}): number {
  const { min = 0, exclusive = false, integer = false, infinity = false } = rule;
  const ok =
    typeof value === 'number' &&
    ((infinity && value === Number.POSITIVE_INFINITY) ||
      (Number.isFinite(value) &&
        (exclusive ? value > min : value >= min) &&
        value <= MAX_DURATION_MS &&
        (!integer || Number.isInteger(value))));
  if (!ok) throw new OptionsError(option, value, durationText(rule));
  return value;
}

/** The `expected` text of a duration's OptionsError: "a whole number of ms from 1 to 2147483647". */
export function durationText(rule: DurationRule = {}): string {
  const { min = 0, exclusive = false, integer = false, infinity = false } = rule;
  const kind = integer ? 'a whole number of ms' : 'a number of ms';
  const range = exclusive
    ? `> ${min} and <= ${MAX_DURATION_MS}`
    : `from ${min} to ${MAX_DURATION_MS}`;
  return `${kind} ${range}${infinity ? ', or Infinity' : ''}`;
}

/** The outcome of asking a {@link RetryPolicy}-shaped function for the next delay. */
export type RetryDecision =
  | { readonly retry: true; readonly delay: number }
  | { readonly retry: false; readonly cause?: unknown };

/**
 * Asks a retry policy (user code) for the delay before try `attempt`,
 * without trusting it: `null` gives up; a throw gives up with the thrown
 * value as `cause`; a negative delay is 0; a delay past
 * {@link MAX_DURATION_MS} (or Infinity) is capped; anything else (NaN, a
 * string) gives up with an `OptionsError` naming `option` as `cause`.
 */
export function askRetryPolicy(
  policy: (attempt: number) => unknown,
  attempt: number,
  option: string,
): RetryDecision {
  let delay: unknown;
  try {
    delay = policy(attempt);
  } catch (cause) {
    return { retry: false, cause };
  }
  if (delay === null) return { retry: false };
  if (typeof delay !== 'number' || Number.isNaN(delay)) {
    return {
      retry: false,
      cause: new OptionsError(option, delay, 'a policy returning ms or null'),
    };
  }
  return { retry: true, delay: Math.min(MAX_DURATION_MS, Math.max(0, delay)) };
}

/**
 * The names of an options interface, checked against it at compile time:
 * `optionNames({ a: true, b: true } satisfies Record<keyof XxxOptions, true>)`.
 * Feed the result to {@link rejectUnknownOptions}.
 */
export function optionNames<T extends string>(names: Readonly<Record<T, true>>): readonly T[] {
  return Object.freeze(Object.keys(names) as T[]);
}

/** Validates an RxJS `SchedulerLike` option (it needs `schedule` and `now`). */
export function resolveScheduler(option: string, value: unknown): SchedulerLike {
  const scheduler = value as Partial<SchedulerLike> | null | undefined;
  if (typeof scheduler?.schedule !== 'function' || typeof scheduler.now !== 'function') {
    throw new OptionsError(option, value, 'an RxJS SchedulerLike');
  }
  return scheduler as SchedulerLike;
}

/** What a count option accepts, for {@link resolveCount}. */
export interface CountRule {
  /** Smallest value; default 0. */
  readonly min?: number;
  /** Largest value; default `Number.MAX_SAFE_INTEGER`. */
  readonly max?: number;
  /** Whether `Infinity` is accepted (meaning "no limit"). Default false. */
  readonly infinity?: boolean;
}

/** Validates a whole-number option within `rule`; throws an `OptionsError` naming `option`. */
export function resolveCount(option: string, value: unknown, rule: CountRule = {}): number {
  const { min = 0, max = Number.MAX_SAFE_INTEGER, infinity = false } = rule;
  if (infinity && value === Number.POSITIVE_INFINITY) return value;
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) {
    return value;
  }
  const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
  throw new OptionsError(
    option,
    value,
    `a whole number ${range}${infinity ? ', or Infinity' : ''}`,
  );
}

/** Validates a function option; `expected` describes its shape, as in `'(event) => key'`. */
export function resolveFunction<F extends (...args: never[]) => unknown>(
  option: string,
  value: unknown,
  expected: string,
): F {
  if (typeof value !== 'function') throw new OptionsError(option, value, `a function ${expected}`);
  return value as F;
}

/** Validates an option that is one of `values` (an `as const` object's values). */
export function resolveOneOf<T extends string>(
  option: string,
  value: unknown,
  values: Readonly<Record<string, T>>,
): T {
  const allowed = Object.values(values);
  if (!allowed.includes(value as T)) {
    throw new OptionsError(option, value, `one of ${allowed.map((v) => `'${v}'`).join(', ')}`);
  }
  return value as T;
}

/** An injected collaborator: `undefined`, or an object with these members. */
export function resolveCollaborator<T>(
  option: string,
  value: T | undefined,
  members: readonly string[],
): T | undefined {
  if (value === undefined) return undefined;
  const object = value as Record<string, unknown> | null;
  if (
    object === null ||
    typeof object !== 'object' ||
    members.some((m) => object[m] === undefined)
  ) {
    throw new OptionsError(option, value, `an object with ${members.join(', ')}`);
  }
  return value;
}
