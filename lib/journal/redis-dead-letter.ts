import type { Event } from '../events/event.ts';
import { encodeEvent } from './event-codec.ts';
import type { DeadLetter } from './journal.ts';
import { tryDecode } from './try-decode.ts';

/** A dead letter as the Redis journal keeps it (one hash field, JSON): its events as stored records. */
interface StoredLetter {
  readonly time: number;
  readonly tries: number;
  readonly cause: string;
  readonly records: readonly string[];
}

/** The stored form of a dead letter of `events`, dated now. */
export function letterJson(events: readonly Event[], tries: number, cause: string): string {
  const records = events.map((event) => encodeEvent(event));
  return JSON.stringify({ time: Date.now(), tries, cause, records } satisfies StoredLetter);
}

/** The encoded records of a stored dead letter (to append them again). */
export function letterRecords(json: string): readonly string[] {
  return (JSON.parse(json) as StoredLetter).records;
}

/** A stored dead letter, its records decoded (those that cannot be, kept as `undecodable`). */
export function parseLetter(id: number, json: string): DeadLetter {
  const letter = JSON.parse(json) as StoredLetter;
  const events: Event[] = [];
  const undecodable: string[] = [];
  for (const record of letter.records) {
    const decoded = tryDecode(record);
    if (typeof decoded === 'string') undecodable.push(record);
    else events.push(decoded);
  }
  return { id, time: letter.time, tries: letter.tries, cause: letter.cause, events, undecodable };
}
