import { OptionsError } from '../errors.ts';
import { optionNames, rejectUnknownOptions, resolveDuration, resolveOneOf } from '../options.ts';

/** How hard a commit waits for the disk. */
export const SqliteSync = {
  /** Every commit is fsynced (SQLite `synchronous=FULL` in WAL mode): a power cut loses nothing committed. */
  Full: 'full',
  /** Commits reach the OS at once and the disk at WAL checkpoints: a process crash loses nothing, a power cut may lose the last commits. */
  Normal: 'normal',
} as const;

/** One of the {@link SqliteSync} values. */
export type SqliteSync = (typeof SqliteSync)[keyof typeof SqliteSync];

/** Options of {@link SqliteJournal}. */
export interface SqliteJournalOptions {
  /** The database file (created if missing; its folder must exist), or `':memory:'` for tests. Required. */
  readonly path: string;
  /** Durability of each commit. Default `'full'`. */
  readonly sync?: SqliteSync;
  /**
   * The group-commit window, in ms: a queue commits what it took in at most
   * this long after it arrived (and always before a batch goes to the
   * handler), one fsync for all of it. 0 commits at the end of every intake
   * turn. Default 10.
   */
  readonly commitWindow?: number;
}

/** {@link SqliteJournalOptions} validated, defaults filled in. */
export interface ResolvedSqliteJournalOptions {
  readonly path: string;
  readonly sync: SqliteSync;
  readonly commitWindow: number;
}

/** The defaults of {@link SqliteJournalOptions}. */
export const DEFAULT_SQLITE_JOURNAL_OPTIONS = Object.freeze({
  sync: SqliteSync.Full,
  commitWindow: 10,
});

const names = optionNames({ path: true, sync: true, commitWindow: true } satisfies Record<
  keyof SqliteJournalOptions,
  true
>);

/** Validates and completes {@link SqliteJournalOptions}; throws an `OptionsError` naming a bad option. */
export function resolveSqliteJournalOptions(
  options: SqliteJournalOptions,
): ResolvedSqliteJournalOptions {
  if (options === null || typeof options !== 'object') {
    throw new OptionsError('options', options, 'an options object { path }');
  }
  rejectUnknownOptions(options, names);
  const defaults = DEFAULT_SQLITE_JOURNAL_OPTIONS;
  const { path, sync = defaults.sync, commitWindow = defaults.commitWindow } = options;
  if (typeof path !== 'string' || path === '') {
    throw new OptionsError('path', path, "a file path (or ':memory:')");
  }
  return Object.freeze({
    path,
    sync: resolveOneOf('sync', sync, SqliteSync),
    commitWindow: resolveDuration('commitWindow', commitWindow),
  });
}
