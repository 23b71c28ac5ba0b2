import type { DatabaseSync } from 'node:sqlite';
import { decodeEvent, EventCodecError } from './event-codec.ts';
import type { JournalRecovery, RecoveredRecord, SetAsideRecord } from './journal.ts';
import { RecordState } from './journal.ts';
import { unpackRecords } from './sqlite-segment.ts';

/**
 * What a SQLite journal holds unacknowledged (positions above
 * `acknowledged`), in order, and what cannot be decoded: a record that does
 * not decode, or a whole segment that does not unpack into as many records as
 * its positions (kept aside whole, as base64). Records set aside before are
 * neither delivered nor listed again.
 */
export function readSegments(db: DatabaseSync, acknowledged: number): JournalRecovery {
  const rows = db
    .prepare('SELECT first, last, state, tries, records FROM segments ORDER BY first')
    .all() as {
    first: number;
    last: number;
    state: number;
    tries: number;
    records: Uint8Array;
  }[];
  const asideBefore = new Set(
    (db.prepare('SELECT position FROM set_aside').all() as { position: number }[]).map(
      (row) => row.position,
    ),
  );
  const records: RecoveredRecord[] = [];
  const setAside: SetAsideRecord[] = [];
  for (const row of rows) {
    const lines = unpackRecords(row.records);
    const delivered = row.state === RecordState.InFlight;
    if (lines === null || lines.length !== row.last - row.first + 1) {
      // Positions cannot be told apart any more: the segment is kept aside whole.
      if (!asideBefore.has(row.first)) {
        const found = lines === null ? 'not a packed segment' : `${lines.length} records`;
        const reason = `damaged segment: ${found} for positions ${row.first}-${row.last}`;
        const record = `base64:${Buffer.from(row.records).toString('base64')}`;
        setAside.push({ position: row.first, record, reason });
      }
      continue;
    }
    for (const [index, record] of lines.entries()) {
      const position = row.first + index;
      if (position <= acknowledged || asideBefore.has(position)) continue;
      try {
        records.push({ position, event: decodeEvent(record), delivered, tries: row.tries });
      } catch (cause) {
        const reason = cause instanceof EventCodecError ? cause.message : String(cause);
        setAside.push({ position, record, reason });
      }
    }
  }
  return { records, setAside };
}
