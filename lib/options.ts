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
