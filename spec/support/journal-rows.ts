// Reads and damages the SQLite journal's rows through a second connection, as a spec needs to:
// one row per record not acknowledged (segments expanded, the acknowledged watermark applied).
import type { DatabaseSync } from 'node:sqlite';
import { deflateRawSync } from 'node:zlib';
import { unpackRecords } from '../../lib/journal/sqlite-segment.ts';

export interface JournalRow {
  readonly position: number;
  readonly state: number;
  readonly tries: number;
  readonly record: string;
}

export function journalRows(db: DatabaseSync): JournalRow[] {
  const meta = db.prepare("SELECT value FROM meta WHERE key = 'acknowledged'").get() as
    | { value: string }
    | undefined;
  const acknowledged = Number(meta?.value ?? 0);
  const segments = db
    .prepare('SELECT first, state, tries, records FROM segments ORDER BY first')
    .all() as { first: number; state: number; tries: number; records: Uint8Array }[];
  const rows: JournalRow[] = [];
  for (const { first, state, tries, records } of segments) {
    for (const [i, record] of (unpackRecords(records) ?? []).entries()) {
      if (first + i > acknowledged) rows.push({ position: first + i, state, tries, record });
    }
  }
  return rows;
}

/** Replaces the stored record at `position` by `text` (as a bad disk or an older writer would). */
export function damageRecord(db: DatabaseSync, position: number, text: string): void {
  const segment = db
    .prepare('SELECT first, records FROM segments WHERE first <= ? AND last >= ?')
    .get(position, position) as { first: number; records: Uint8Array } | undefined;
  if (segment === undefined) throw new Error(`no record at position ${position}`);
  const records = unpackRecords(segment.records) ?? [];
  records[position - segment.first] = text;
  // Written back as raw deflate, the segment format of files written before zstd: read all the same.
  const packed = deflateRawSync(records.join('\n'));
  db.prepare('UPDATE segments SET records = ? WHERE first = ?').run(packed, segment.first);
}
