import type { Redis } from 'ioredis';
import type { Event } from '../events/event.ts';
import { encodeEvent } from './event-codec.ts';
import type { DeadLetter, SetAsideRecord } from './journal.ts';
import { execOrThrow } from './redis-commands.ts';
import { streamEntries } from './stream-entries.ts';
import { tryDecode } from './try-decode.ts';

/** Where a Redis journal's group keeps what left the stream: dead letters, and records set aside. */
export interface DeadLetterKeys {
  /** The partition stream where a replayed letter's record is appended again. */
  readonly streamOf: (record: string) => string;
  /** Hash: dead letter id -> stored letter. */
  readonly dead: string;
  /** Counter of dead letter ids. */
  readonly deadId: string;
  /** Stream of the records that could not be decoded. */
  readonly aside: string;
}

/**
 * A Redis journal's dead letters (listable, replayable, discardable; they survive restarts) and
 * the records it set aside.
 */
export class RedisDeadLetters {
  readonly #redis: Redis;
  readonly #keys: DeadLetterKeys;
  /** How many records one replayed stream entry holds. */
  readonly #entryEvents: number;

  constructor(redis: Redis, keys: DeadLetterKeys, entryEvents: number) {
    this.#redis = redis;
    this.#keys = keys;
    this.#entryEvents = entryEvents;
  }

  /** A new dead letter's id. */
  nextId(): Promise<number> {
    return this.#redis.incr(this.#keys.deadId);
  }

  /** Keeps `events` as a new dead letter. */
  async keep(events: readonly Event[], tries: number, cause: string): Promise<void> {
    const id = await this.nextId();
    await this.#redis.hset(this.#keys.dead, String(id), letterJson(events, tries, cause));
  }

  /** Every dead letter, oldest first. */
  async list(): Promise<readonly DeadLetter[]> {
    const all = await this.#redis.hgetall(this.#keys.dead);
    return Object.entries(all)
      .map(([id, json]) => parseLetter(Number(id), json))
      .sort((a, b) => a.id - b.id);
  }

  /** Appends the letter's records to the stream again and removes it; how many were appended. */
  async replay(id: number): Promise<number> {
    const json = await this.#redis.hget(this.#keys.dead, String(id));
    if (json === null) return 0;
    const records = letterRecords(json);
    const byStream = new Map<string, string[]>();
    for (const record of records) {
      const stream = this.#keys.streamOf(record);
      const list = byStream.get(stream) ?? [];
      list.push(record);
      byStream.set(stream, list);
    }
    const multi = this.#redis.multi();
    const size = this.#entryEvents;
    for (const [stream, list] of byStream) {
      for (let i = 0; i < list.length; i += size) {
        multi.xadd(stream, '*', 'b', list.slice(i, i + size).join('\n'));
      }
    }
    multi.hdel(this.#keys.dead, String(id));
    await execOrThrow(multi);
    return records.length;
  }

  /** Removes a dead letter; whether there was one. */
  async discard(id: number): Promise<boolean> {
    return (await this.#redis.hdel(this.#keys.dead, String(id))) > 0;
  }

  /** The records set aside because they could not be decoded, oldest first. */
  async setAside(): Promise<readonly SetAsideRecord[]> {
    const reply = (await this.#redis.xrange(this.#keys.aside, '-', '+')) as unknown;
    return streamEntries([[this.#keys.aside, reply]]).map((entry) => ({
      position: 0,
      record: entry.fields.get('record')?.[0] ?? '',
      reason: `${entry.fields.get('reason')?.[0] ?? ''} (entry ${entry.fields.get('entry')?.[0] ?? '?'})`,
    }));
  }
}

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
