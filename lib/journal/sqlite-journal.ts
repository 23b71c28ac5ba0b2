import type { DatabaseSync, StatementSync } from 'node:sqlite';
import createDebug from 'debug';
import type { Event } from '../events/event.ts';
import { decodeEvent, EventCodecError, encodeEvent } from './event-codec.ts';
import type {
  DeadLetter,
  Journal,
  JournalRecovery,
  RecoveredRecord,
  SetAsideRecord,
} from './journal.ts';
import { RecordState } from './journal.ts';
import { JournalClosedError, JournalIoError } from './journal-errors.ts';
import { loadSqlite } from './load-sqlite.ts';
import {
  type ResolvedSqliteJournalOptions,
  resolveSqliteJournalOptions,
  type SqliteJournalOptions,
} from './sqlite-journal-options.ts';

const log = createDebug('batchwatch:journal');

const schema = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
  position INTEGER PRIMARY KEY, state INTEGER NOT NULL, tries INTEGER NOT NULL, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dead_letters (
  id INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL, tries INTEGER NOT NULL,
  cause TEXT NOT NULL, records TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS set_aside (
  position INTEGER PRIMARY KEY, record TEXT NOT NULL, reason TEXT NOT NULL, time INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS checkpoints (name TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/**
 * The embedded journal: one SQLite file (WAL mode) through `node:sqlite`, no
 * server, no native addon. Appends are buffered in memory and written by
 * `commit()` in one transaction, one fsync (`sync: 'full'`): the queue
 * commits at the end of every intake turn and before every batch goes to its
 * handler, so the fsync cost is paid per turn and per batch, never per event.
 * An acknowledgement, a failed try and a dead letter are one transaction each.
 * Acknowledged records are deleted: the file holds what is pending, the dead
 * letters, the records set aside and the source checkpoints.
 *
 * One process at a time may use a journal file.
 *
 * @example
 * const journal = new SqliteJournal({ path: join(stateDir, 'journal.sqlite') });
 * const queue = new EventQueue({ journal, onFlush });
 */
export class SqliteJournal implements Journal, AsyncDisposable {
  readonly #options: ResolvedSqliteJournalOptions;
  readonly #db: DatabaseSync;
  readonly #insert: StatementSync;
  #nextPosition: number;
  #appended: [number, string][] = [];
  #inFlightThrough = 0;
  readonly #checkpoints = new Map<string, string>();
  #closed: Promise<void> | null = null;

  /** @throws OptionsError for bad options; JournalIoError when the file cannot be opened. */
  constructor(options: SqliteJournalOptions) {
    this.#options = resolveSqliteJournalOptions(options);
    const { DatabaseSync } = loadSqlite();
    try {
      this.#db = new DatabaseSync(this.#options.path);
      this.#db.exec('PRAGMA journal_mode = WAL');
      this.#db.exec(`PRAGMA synchronous = ${this.#options.sync === 'full' ? 'FULL' : 'NORMAL'}`);
      this.#db.exec('PRAGMA busy_timeout = 5000');
      this.#db.exec(schema);
      this.#insert = this.#db.prepare(
        'INSERT INTO events (position, state, tries, record) VALUES (?, 0, 0, ?)',
      );
      this.#nextPosition = this.#readNextPosition();
    } catch (cause) {
      throw new JournalIoError(`open ${this.#options.path}`, cause);
    }
    log('opened %s, next position %d', this.#options.path, this.#nextPosition);
  }

  /** The file (or `':memory:'`). */
  get path(): string {
    return this.#options.path;
  }

  append(event: Event): number {
    this.#assertOpen('append');
    const position = this.#nextPosition++;
    this.#appended.push([position, encodeEvent(event)]);
    return position;
  }

  commit(): void {
    if (this.#closed !== null) return;
    if (
      this.#appended.length === 0 &&
      this.#checkpoints.size === 0 &&
      this.#inFlightThrough === 0
    ) {
      return;
    }
    const appended = this.#appended;
    this.#appended = [];
    try {
      this.#transaction('commit', () => {
        const insert = this.#insert;
        for (const [position, record] of appended) insert.run(position, record);
        if (this.#inFlightThrough > 0) {
          this.#db
            .prepare('UPDATE events SET state = ? WHERE position <= ? AND state = ?')
            .run(RecordState.InFlight, this.#inFlightThrough, RecordState.Accepted);
        }
        this.#saveCheckpoints();
        this.#setMeta('next_position', String(this.#nextPosition));
      });
    } catch (error) {
      // Kept for the next commit: a full disk may have room again by then.
      this.#appended = appended.concat(this.#appended);
      throw error;
    }
    this.#inFlightThrough = 0;
    this.#checkpoints.clear();
  }

  recover(): JournalRecovery {
    this.#assertOpen('recover');
    this.commit(); // what was appended before is part of what is recovered
    const rows = this.#db
      .prepare('SELECT position, state, tries, record FROM events ORDER BY position')
      .all() as { position: number; state: number; tries: number; record: string }[];
    const records: RecoveredRecord[] = [];
    const setAside: SetAsideRecord[] = [];
    for (const row of rows) {
      try {
        const event = decodeEvent(String(row.record));
        const delivered = row.state === RecordState.InFlight;
        records.push({ position: row.position, event, delivered, tries: row.tries });
      } catch (cause) {
        const reason = cause instanceof EventCodecError ? cause.message : String(cause);
        setAside.push({ position: row.position, record: String(row.record), reason });
      }
    }
    if (setAside.length > 0) {
      this.#transaction('set records aside', () => {
        const keep = this.#db.prepare(
          'INSERT OR REPLACE INTO set_aside (position, record, reason, time) VALUES (?, ?, ?, ?)',
        );
        const remove = this.#db.prepare('DELETE FROM events WHERE position = ?');
        for (const { position, record, reason } of setAside) {
          keep.run(position, record, reason, Date.now());
          remove.run(position);
        }
      });
    }
    log('recovered %d record(s), %d set aside', records.length, setAside.length);
    return { records, setAside };
  }

  markInFlight(through: number): void {
    // Written with the commit the queue makes before the handler runs: no fsync of its own.
    if (through > this.#inFlightThrough) this.#inFlightThrough = through;
  }

  markFailed(through: number): void {
    this.#transaction('count a failed try', () => {
      this.#db.prepare('UPDATE events SET tries = tries + 1 WHERE position <= ?').run(through);
    });
  }

  acknowledge(through: number): void {
    this.#transaction('acknowledge', () => {
      this.#db.prepare('DELETE FROM events WHERE position <= ?').run(through);
    });
  }

  deadLetter(through: number, batch: readonly Event[], tries: number, cause: string): void {
    const records = batch.map((event) => {
      try {
        return encodeEvent(event);
      } catch (error) {
        return JSON.stringify({ unencodable: String(error) });
      }
    });
    this.#transaction('keep a dead letter', () => {
      this.#db
        .prepare('INSERT INTO dead_letters (time, tries, cause, records) VALUES (?, ?, ?, ?)')
        .run(Date.now(), tries, cause, JSON.stringify(records));
      this.#db.prepare('DELETE FROM events WHERE position <= ?').run(through);
    });
  }

  deadLetters(): readonly DeadLetter[] {
    this.#assertOpen('list dead letters');
    const rows = this.#db
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

  replayDeadLetter(id: number): number {
    this.#assertOpen('replay a dead letter');
    // Appends waiting for a commit go first: replayed events come after them.
    this.commit();
    let count = 0;
    this.#transaction('replay a dead letter', () => {
      const row = this.#db.prepare('SELECT records FROM dead_letters WHERE id = ?').get(id) as
        | { records: string }
        | undefined;
      if (row === undefined) return;
      for (const record of parseRecords(row.records)) {
        this.#insert.run(this.#nextPosition++, record);
        count++;
      }
      this.#db.prepare('DELETE FROM dead_letters WHERE id = ?').run(id);
      this.#setMeta('next_position', String(this.#nextPosition));
    });
    return count;
  }

  discardDeadLetter(id: number): boolean {
    this.#assertOpen('discard a dead letter');
    let removed = false;
    this.#transaction('discard a dead letter', () => {
      const result = this.#db.prepare('DELETE FROM dead_letters WHERE id = ?').run(id);
      removed = Number(result.changes) > 0;
    });
    return removed;
  }

  /** The records set aside because they could not be decoded, oldest first. */
  setAside(): readonly SetAsideRecord[] {
    this.#assertOpen('list records set aside');
    const rows = this.#db
      .prepare('SELECT position, record, reason FROM set_aside ORDER BY position')
      .all() as unknown as SetAsideRecord[];
    return rows.map(({ position, record, reason }) => ({ position, record, reason }));
  }

  /** How many records are not acknowledged yet (committed ones). */
  pendingCount(): number {
    this.#assertOpen('count records');
    const row = this.#db.prepare('SELECT count(*) AS n FROM events').get() as { n: number };
    return Number(row.n);
  }

  checkpoint(name: string): string | undefined {
    const pending = this.#checkpoints.get(name);
    if (pending !== undefined) return pending;
    this.#assertOpen('read a checkpoint');
    const row = this.#db.prepare('SELECT value FROM checkpoints WHERE name = ?').get(name) as
      | { value: string }
      | undefined;
    return row?.value;
  }

  setCheckpoint(name: string, value: string): void {
    this.#assertOpen('save a checkpoint');
    this.#checkpoints.set(name, value);
  }

  close(): Promise<void> {
    if (this.#closed !== null) return this.#closed;
    try {
      this.commit();
    } finally {
      this.#closed = Promise.resolve();
      this.#db.close();
      log('closed %s', this.#options.path);
    }
    return this.#closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #saveCheckpoints(): void {
    if (this.#checkpoints.size === 0) return;
    const save = this.#db.prepare(
      'INSERT INTO checkpoints (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value',
    );
    for (const [name, value] of this.#checkpoints) save.run(name, value);
  }

  #setMeta(key: string, value: string): void {
    this.#db
      .prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }

  #readNextPosition(): number {
    const meta = this.#db.prepare("SELECT value FROM meta WHERE key = 'next_position'").get() as
      | { value: string }
      | undefined;
    const max = this.#db
      .prepare(
        'SELECT max(coalesce((SELECT max(position) FROM events), 0), coalesce((SELECT max(position) FROM set_aside), 0)) AS n',
      )
      .get() as { n: number };
    return Math.max(Number(meta?.value ?? 1), Number(max.n) + 1);
  }

  #transaction(operation: string, work: () => void): void {
    this.#assertOpen(operation);
    const db = this.#db;
    try {
      db.exec('BEGIN IMMEDIATE');
    } catch (cause) {
      throw new JournalIoError(operation, cause);
    }
    try {
      work();
      db.exec('COMMIT');
    } catch (cause) {
      try {
        db.exec('ROLLBACK');
      } catch {
        // The transaction was already rolled back by SQLite itself.
      }
      throw new JournalIoError(operation, cause);
    }
  }

  #assertOpen(what: string): void {
    if (this.#closed !== null) throw new JournalClosedError(`cannot ${what}`);
  }
}

function parseRecords(text: string): string[] {
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed)) return parsed.map(String);
  } catch {
    // A damaged dead letter: returned whole so that it is still listed.
  }
  return [text];
}
