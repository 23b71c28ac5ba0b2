import { OptionsError } from './errors.ts';

/** Throws an `OptionsError` for a key of `options` that is not in `known`: a misspelled option. */
export function rejectUnknownOptions(options: object, known: readonly string[]): void {
  for (const [key, value] of Object.entries(options)) {
    if (!known.includes(key)) throw OptionsError.unknown(key, value, known);
  }
}
