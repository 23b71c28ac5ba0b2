import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteJournal } from './sqlite-journal.ts';
import type { SqliteSync } from './sqlite-journal-options.ts';

/** The journal file's name inside a state directory. */
export const JOURNAL_FILE = 'journal.sqlite';

/**
 * Opens the embedded journal of a state directory (`DIR/journal.sqlite`,
 * the directory created if missing): what `batchwatch watch --state-dir DIR`
 * uses. Source checkpoints are kept in the same file.
 *
 * @example const journal = openStateDir('/var/lib/reloader');
 */
export function openStateDir(
  dir: string,
  options: { readonly sync?: SqliteSync } = {},
): SqliteJournal {
  mkdirSync(dir, { recursive: true });
  return new SqliteJournal({ path: join(dir, JOURNAL_FILE), ...options });
}
