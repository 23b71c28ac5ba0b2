import type { Redis } from 'ioredis';
import type { JournalRecovery, RecoveredRecord, SetAsideRecord } from './journal.ts';
import { execOrThrow } from './redis-commands.ts';
import type { StreamEntry } from './stream-entries.ts';
import { tryDecode } from './try-decode.ts';

/** An entry this consumer holds: delivered to its queue, not acknowledged yet. */
export interface HeldEntry {
  readonly position: number;
  /** The partition stream it is in. */
  readonly stream: string;
  readonly id: string;
}

/**
 * The entries a Redis journal's consumer took and has not acknowledged, in
 * the order it took them, each under a position of its own (positions only
 * grow): what `acknowledge(through)` and `markFailed(through)` act on.
 */
export class HeldEntries {
  readonly #redis: Redis;
  readonly #group: string;
  readonly #aside: string;
  readonly #triesKeys: ReadonlyMap<string, string>;
  #held: HeldEntry[] = [];
  #nextPosition = 1;

  constructor(redis: Redis, streams: readonly string[], group: string, aside: string) {
    this.#redis = redis;
    this.#group = group;
    this.#aside = aside;
    this.#triesKeys = new Map(streams.map((s) => [s, `${s}:tries:${group}`]));
  }

  /** How many entries are held. */
  get size(): number {
    return this.#held.length;
  }

  /** Every held entry, in order. */
  get all(): readonly HeldEntry[] {
    return this.#held;
  }

  /** The hash that counts failed tries of the entries of `stream`. */
  triesKey(stream: string): string {
    return this.#triesKeys.get(stream) ?? `${stream}:tries:${this.#group}`;
  }

  /** The held entries through `through`; no longer held when `release`. */
  through(through: number, release: boolean): readonly HeldEntry[] {
    let count = 0;
    while (count < this.#held.length && (this.#held[count] as HeldEntry).position <= through)
      count++;
    const entries = this.#held.slice(0, count);
    if (release) this.#held = this.#held.slice(count);
    return entries;
  }

  /**
   * Decodes entries into records with new positions and holds them; a record
   * that cannot be decoded is set aside (`S:aside`); an entry with nothing to
   * deliver (trimmed, or all set aside) is acknowledged at once.
   */
  async take(entries: readonly StreamEntry[], redelivered: boolean): Promise<JournalRecovery> {
    const records: RecoveredRecord[] = [];
    const setAside: SetAsideRecord[] = [];
    const empty: StreamEntry[] = [];
    const aside = this.#redis.multi();
    const tries = redelivered ? await this.#tries(entries) : new Map<StreamEntry, number>();
    for (const entry of entries) {
      const position = this.#nextPosition++;
      const before = records.length;
      for (const [field, values] of entry.fields) {
        for (const record of entryRecords(field, values)) {
          const decoded =
            field === 'e' || field === 'b' ? tryDecode(record) : `an unknown field "${field}"`;
          if (typeof decoded !== 'string') {
            records.push({
              position,
              event: decoded,
              delivered: redelivered,
              tries: tries.get(entry) ?? 0,
            });
          } else {
            setAside.push({ position, record, reason: decoded });
            aside.xadd(
              this.#aside,
              '*',
              'entry',
              entry.id,
              'group',
              this.#group,
              'record',
              record,
              'reason',
              decoded,
            );
          }
        }
      }
      if (records.length === before) empty.push(entry);
      else this.#held.push({ position, stream: entry.stream, id: entry.id });
    }
    for (const [stream, ids] of groupByStream(empty)) aside.xack(stream, this.#group, ...ids);
    if (setAside.length > 0 || empty.length > 0) await execOrThrow(aside);
    else aside.discard();
    return { records, setAside };
  }

  async #tries(entries: readonly StreamEntry[]): Promise<Map<StreamEntry, number>> {
    const tries = new Map<StreamEntry, number>();
    const byStream = new Map<string, StreamEntry[]>();
    for (const entry of entries) {
      const list = byStream.get(entry.stream) ?? [];
      list.push(entry);
      byStream.set(entry.stream, list);
    }
    for (const [stream, list] of byStream) {
      const counts = await this.#redis.hmget(this.triesKey(stream), ...list.map((e) => e.id));
      for (const [i, entry] of list.entries()) tries.set(entry, Number(counts[i] ?? 0));
    }
    return tries;
  }
}

/**
 * The records of one field of a stream entry: `b` holds several, one a line
 * (JSON text never holds a raw newline: what the journal writes), `e` one
 * each (entries of 0.2.0, a hand-written entry).
 */
function entryRecords(field: string, values: readonly string[]): readonly string[] {
  return field === 'b' ? values.flatMap((value) => value.split('\n')) : values;
}

/** XACK of `held` in `group` (their failed tries cleared with them), added to `multi`. */
export function acknowledging(
  multi: ReturnType<Redis['multi']>,
  held: readonly HeldEntry[],
  group: string,
  tries: { triesKey(stream: string): string },
): ReturnType<Redis['multi']> {
  for (const [stream, ids] of groupByStream(held)) {
    multi.xack(stream, group, ...ids).hdel(tries.triesKey(stream), ...ids);
  }
  return multi;
}

/** Entry ids by stream, in order. */
export function groupByStream(
  entries: readonly { readonly stream: string; readonly id: string }[],
): Map<string, string[]> {
  const byStream = new Map<string, string[]>();
  for (const { stream, id } of entries) {
    const ids = byStream.get(stream) ?? [];
    ids.push(id);
    byStream.set(stream, ids);
  }
  return byStream;
}
