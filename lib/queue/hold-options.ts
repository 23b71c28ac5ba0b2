import { isAbsolute, resolve } from 'node:path';
import { OptionsError } from '../errors.ts';
import { optionNames, resolveDuration } from '../options.ts';
import type { HoldWhile } from './file-hold.ts';

/** The holds of an `EventQueue`: states that keep a batch open (see `queue.hold(name)`). */
export interface HoldOptions {
  /**
   * Hold batches while one of these files exists (`['.git/index.lock']`:
   * nothing is delivered while git writes the tree), or while a changed
   * file whose absolute path passes this test exists. Relative paths are
   * resolved against the current directory. Default: none.
   */
  readonly holdWhile?: readonly string[] | ((path: string) => boolean);
  /**
   * The longest a hold keeps batches open, in ms, counted from when it was
   * taken; then the batch is delivered and an `onError(HoldTimeoutWarning)`
   * names the hold, which holds no more until released. `Infinity`: no
   * limit. Default 60000.
   */
  readonly maxHold?: number;
}

/** {@link HoldOptions} validated: absolute paths, or the test; `null` for none. */
export interface ResolvedHoldOptions {
  readonly holdWhile: HoldWhile | null;
  readonly maxHold: number;
}

/** The defaults of {@link HoldOptions}. */
export const DEFAULT_HOLD_OPTIONS = Object.freeze({
  holdWhile: Object.freeze([]) as readonly string[],
  maxHold: 60_000,
} satisfies Required<HoldOptions>);

/** The names of {@link HoldOptions}, for spotting misspelled options. */
export const holdOptionNames = optionNames({
  holdWhile: true,
  maxHold: true,
} satisfies Record<keyof HoldOptions, true>);

/** Validates and completes {@link HoldOptions}; throws an `OptionsError` naming a bad option. */
export function resolveHoldOptions(options: HoldOptions): ResolvedHoldOptions {
  const defaults = DEFAULT_HOLD_OPTIONS;
  const maxHold = resolveDuration('maxHold', options.maxHold ?? defaults.maxHold, {
    exclusive: true,
    infinity: true,
  });
  const holdWhile: unknown = options.holdWhile ?? defaults.holdWhile;
  if (typeof holdWhile === 'function') {
    return Object.freeze({ holdWhile: holdWhile as HoldWhile, maxHold });
  }
  const expected = 'an array of file paths, or a function (path) => boolean';
  if (!Array.isArray(holdWhile)) throw new OptionsError('holdWhile', holdWhile, expected);
  for (const path of holdWhile) {
    if (typeof path !== 'string' || path === '')
      throw new OptionsError('holdWhile', path, expected);
  }
  const paths = (holdWhile as string[]).map((path) => (isAbsolute(path) ? path : resolve(path)));
  return Object.freeze({
    holdWhile: paths.length === 0 ? null : Object.freeze(paths),
    maxHold,
  });
}
