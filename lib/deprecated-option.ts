import { OptionsError } from './errors.ts';

/** The old option names already reported in this process: each is reported once. */
const reported = new Set<string>();

/**
 * The `code` of the `DeprecationWarning` for a renamed option:
 * `redisRetry` -> `BATCHWATCH_DEP_REDIS_RETRY`, `retry.backoff` -> `BATCHWATCH_DEP_RETRY_BACKOFF`.
 */
export function deprecatedOptionCode(oldName: string): string {
  const words = oldName
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word !== '');
  return `BATCHWATCH_DEP_${words.join('_').toUpperCase()}`;
}

/**
 * Says once per process, through `process.emitWarning` (a `DeprecationWarning`
 * with {@link deprecatedOptionCode}'s code), that option `oldName` was renamed
 * `newName` (`code` for an old name that is not a plain name). Node prints it once; `--no-deprecation` silences it and
 * `--throw-deprecation` makes it throw, as for Node's own deprecations.
 */
export function warnDeprecatedOption(
  oldName: string,
  newName: string,
  code = deprecatedOptionCode(oldName),
): void {
  if (reported.has(oldName)) return;
  reported.add(oldName);
  process.emitWarning(
    `batchwatch: the option ${oldName} is deprecated and will be removed in the next minor version; use ${newName} instead.`,
    { type: 'DeprecationWarning', code },
  );
}

/**
 * Reads an option that was renamed: the value under `newName`, else the one
 * under the deprecated `oldName` (reported once per old name, whatever the
 * prefix, by {@link warnDeprecatedOption}).
 * Giving both is an `OptionsError` naming the old one. `prefix` names nested
 * options (`handlers.stop.`).
 */
export function readRenamedOption(
  options: object,
  newName: string,
  oldName: string,
  prefix = '',
): unknown {
  const record = options as Readonly<Record<string, unknown>>;
  const value = record[newName];
  const old = record[oldName];
  if (old === undefined) return value;
  if (value !== undefined) {
    throw new OptionsError(
      `${prefix}${oldName}`,
      old,
      `nothing: it was renamed ${prefix}${newName}, which is given too`,
    );
  }
  warnDeprecatedOption(oldName, newName);
  return old;
}
