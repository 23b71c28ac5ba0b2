import type { DatabaseSync } from 'node:sqlite';
import type { Event } from '../events/event.ts';
import { decodeEvent, encodeEvent } from './event-codec.ts';
import type { DeadLetter } from './journal.ts';
import { parseRecords } from './sqlite-segment.ts';

/** Keeps `batch` as a dead letter (an event that cannot be encoded is kept as its error). */
export function insertDeadLetter(
  db: DatabaseSync,
  batch: readonly Event[],
  tries: number,
  cause: string,
): void {
  const records = batch.map((event) => {
    try {
      return encodeEvent(event);
    } catch (error) {
      return JSON.stringify({ unencodable: String(error) });
    }
  });
  db.prepare('INSERT INTO dead_letters (time, tries, cause, records) VALUES (?, ?, ?, ?)').run(
    Date.now(),
    tries,
    cause,
    JSON.stringify(records),
  );
}

/** Every dead letter, oldest first; records that do not decode are kept as `undecodable`. */
export function listDeadLetters(db: DatabaseSync): readonly DeadLetter[] {
  const rows = db
    .prepare('SELECT id, time, tries, cause, records FROM dead_letters ORDER BY id')
    .all() as { id: number; time: number; tries: number; cause: string; records: string }[];
  return rows.map((row) => {
    const events: Event[] = [];
    const undecodable: string[] = [];
    for (const record of parseRecords(row.records)) {
      try {
        events.push(decodeEvent(record));
      } catch {
        undecodable.push(record);
      }
    }
    return {
      id: row.id,
      time: row.time,
      tries: row.tries,
      cause: row.cause,
      events,
      undecodable,
    };
  });
}
