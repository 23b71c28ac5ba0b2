import type { DatabaseSync, StatementSync } from 'node:sqlite';
import createDebug from 'debug';
import type { Event } from '../events/event.ts';
import { encodeEvent } from './event-codec.ts';
import type { DeadLetter, Journal, JournalRecovery, SetAsideRecord } from './journal.ts';
import { RecordState } from './journal.ts';
import { JournalClosedError, JournalIoError } from './journal-errors.ts';
import { loadSqlite } from './load-sqlite.ts';
import { insertDeadLetter, listDeadLetters } from './sqlite-dead-letters.ts';
import {
  type ResolvedSqliteJournalOptions,
  resolveSqliteJournalOptions,
  type SqliteJournalOptions,
} from './sqlite-journal-options.ts';
import { readSegments } from './sqlite-recovery.ts';
import { SQLITE_SCHEMA } from './sqlite-schema.ts';
import { packRecords, parseRecords } from './sqlite-segment.ts';

const log = createDebug('batchwatch:journal');

/**
 * The embedded journal: one SQLite file (WAL mode) through `node:sqlite`, no
 * server, no native addon. Appends are buffered in memory and written by
 * `commit()` in one transaction, one fsync (`sync: 'full'`): the queue
 * commits at the end of every intake turn and before every batch goes to its
 * handler, so the fsync cost is paid per turn and per batch, never per event.
 * The records of one commit are one row (a segment: positions `first` to
 * `last`, one record a line, compressed with zstd at level 1, about
 * 30 times smaller for Docker events), so a commit costs one small insert
 * whatever its size. An acknowledgement, a failed try and a dead letter are one
 * transaction each; an acknowledgement moves a watermark and deletes the
 * segments wholly below it. In flight and failed tries are kept per segment.
 * The file holds what is pending, the dead letters, the records set aside
 * and the source checkpoints.
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
  readonly #statements = new Map<string, StatementSync>();
  #nextPosition: number;
  /** The records appended since the last commit, and the position of the first. */
  #appended: string[] = [];
  #firstAppended = 0;
  /** Every position at or below it is acknowledged. */
  #acknowledged = 0;
  #inFlightThrough = 0;
  readonly #checkpoints = new Map<string, string>();
  #closed: Promise<void> | null = null;
  #checkpointTimer: NodeJS.Timeout | null = null;

  /** @throws OptionsError for bad options; JournalIoError when the file cannot be opened. */
  constructor(options: SqliteJournalOptions) {
    this.#options = resolveSqliteJournalOptions(options);
    const { DatabaseSync } = loadSqlite();
    try {
      this.#db = new DatabaseSync(this.#options.path);
      this.#db.exec('PRAGMA journal_mode = WAL');
      this.#db.exec(`PRAGMA synchronous = ${this.#options.sync === 'full' ? 'FULL' : 'NORMAL'}`);
      this.#db.exec('PRAGMA busy_timeout = 5000');
      this.#db.exec(SQLITE_SCHEMA);
      this.#insert = this.#db.prepare(
        'INSERT INTO segments (first, last, state, tries, records) VALUES (?, ?, 0, 0, ?)',
      );
      this.#nextPosition = this.#readNextPosition();
      this.#acknowledged = Number(this.#meta('acknowledged') ?? 0);
    } catch (cause) {
      throw new JournalIoError(`open ${this.#options.path}`, cause);
    }
    log('opened %s, next position %d', this.#options.path, this.#nextPosition);
  }

  get commitWindow(): number {
    return this.#options.commitWindow;
  }

  /** The file (or `':memory:'`). */
  get path(): string {
    return this.#options.path;
  }

  append(event: Event): number {
    this.#assertOpen('append');
    const record = encodeEvent(event);
    if (this.#appended.length === 0) this.#firstAppended = this.#nextPosition;
    this.#appended.push(record);
    return this.#nextPosition++;
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
    const first = this.#firstAppended;
    this.#appended = [];
    try {
      this.#transaction('commit', () => {
        if (appended.length > 0) {
          this.#insert.run(first, first + appended.length - 1, packRecords(appended));
        }
        if (this.#inFlightThrough > 0) {
          this.#sql('UPDATE segments SET state = ? WHERE first <= ? AND state = ?').run(
            RecordState.InFlight,
            this.#inFlightThrough,
            RecordState.Accepted,
          );
        }
        this.#saveCheckpoints();
        this.#setMeta('next_position', String(this.#nextPosition));
      });
    } catch (error) {
      // Kept for the next commit: a full disk may have room again by then.
      this.#appended = appended.concat(this.#appended);
      this.#firstAppended = first;
      throw error;
    }
    this.#inFlightThrough = 0;
    this.#checkpoints.clear();
  }

  recover(): JournalRecovery {
    this.#assertOpen('recover');
    this.commit(); // what was appended before is part of what is recovered
    const { records, setAside } = readSegments(this.#db, this.#acknowledged);
    if (setAside.length > 0) {
      this.#transaction('set records aside', () => {
        const keep = this.#sql(
          'INSERT OR REPLACE INTO set_aside (position, record, reason, time) VALUES (?, ?, ?, ?)',
        );
        for (const { position, record, reason } of setAside) {
          keep.run(position, record, reason, Date.now());
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
      this.#sql('UPDATE segments SET tries = tries + 1 WHERE first <= ?').run(through);
    });
  }

  acknowledge(through: number): void {
    this.#transaction('acknowledge', () => this.#acknowledgeThrough(through));
  }

  deadLetter(through: number, batch: readonly Event[], tries: number, cause: string): void {
    this.#transaction('keep a dead letter', () => {
      insertDeadLetter(this.#db, batch, tries, cause);
      this.#acknowledgeThrough(through);
    });
  }

  keepDeadLetter(events: readonly Event[], tries: number, cause: string): void {
    this.#transaction('keep a dead letter', () => insertDeadLetter(this.#db, events, tries, cause));
  }

  deadLetters(): readonly DeadLetter[] {
    this.#assertOpen('list dead letters');
    return listDeadLetters(this.#db);
  }

  replayDeadLetter(id: number): number {
    this.#assertOpen('replay a dead letter');
    // Appends waiting for a commit go first: replayed events come after them.
    this.commit();
    let count = 0;
    this.#transaction('replay a dead letter', () => {
      const row = this.#sql('SELECT records FROM dead_letters WHERE id = ?').get(id) as
        | { records: string }
        | undefined;
      if (row === undefined) return;
      const records = parseRecords(row.records);
      count = records.length;
      const first = this.#nextPosition;
      this.#nextPosition += count;
      if (count > 0) this.#insert.run(first, first + count - 1, packRecords(records));
      this.#sql('DELETE FROM dead_letters WHERE id = ?').run(id);
      this.#setMeta('next_position', String(this.#nextPosition));
    });
    return count;
  }

  discardDeadLetter(id: number): boolean {
    this.#assertOpen('discard a dead letter');
    let removed = false;
    this.#transaction('discard a dead letter', () => {
      const result = this.#sql('DELETE FROM dead_letters WHERE id = ?').run(id);
      removed = Number(result.changes) > 0;
    });
    return removed;
  }

  /** The records set aside because they could not be decoded, oldest first. */
  setAside(): readonly SetAsideRecord[] {
    this.#assertOpen('list records set aside');
    const rows = this.#sql(
      'SELECT position, record, reason FROM set_aside ORDER BY position',
    ).all() as unknown as SetAsideRecord[];
    return rows.map(({ position, record, reason }) => ({ position, record, reason }));
  }

  /** How many records are not acknowledged yet (committed ones). */
  pendingCount(): number {
    this.#assertOpen('count records');
    const row = this.#sql(
      'SELECT coalesce(sum(last - max(first, ?) + 1), 0) AS n FROM segments WHERE last >= ?',
    ).get(this.#acknowledged + 1, this.#acknowledged + 1) as { n: number };
    return Number(row.n);
  }

  checkpoint(name: string): string | undefined {
    const pending = this.#checkpoints.get(name);
    if (pending !== undefined) return pending;
    this.#assertOpen('read a checkpoint');
    const row = this.#sql('SELECT value FROM checkpoints WHERE name = ?').get(name) as
      | { value: string }
      | undefined;
    return row?.value;
  }

  setCheckpoint(name: string, value: string): void {
    this.#assertOpen('save a checkpoint');
    this.#checkpoints.set(name, value);
    // A checkpoint that no append comes to commit (a source that saw nothing new) is committed
    // on its own within the commit window; with appends before it, in the same commit as they.
    if (this.#checkpointTimer === null) {
      this.#checkpointTimer = setTimeout(() => {
        this.#checkpointTimer = null;
        try {
          this.commit();
        } catch (cause) {
          log('committing checkpoints failed: %O', cause);
        }
      }, this.#options.commitWindow);
      this.#checkpointTimer.unref();
    }
  }

  close(): Promise<void> {
    if (this.#closed !== null) return this.#closed;
    if (this.#checkpointTimer !== null) clearTimeout(this.#checkpointTimer);
    this.#checkpointTimer = null;
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
    const save = this.#sql(
      'INSERT INTO checkpoints (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value',
    );
    for (const [name, value] of this.#checkpoints) save.run(name, value);
  }

  #acknowledgeThrough(through: number): void {
    if (through <= this.#acknowledged) return;
    this.#sql('DELETE FROM segments WHERE last <= ?').run(through);
    this.#setMeta('acknowledged', String(through));
    this.#acknowledged = through;
  }

  #meta(key: string): string | undefined {
    const row = this.#sql('SELECT value FROM meta WHERE key = ?').get(key) as
      | { value: string }
      | undefined;
    return row?.value;
  }

  #setMeta(key: string, value: string): void {
    this.#sql(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    ).run(key, value);
  }

  #readNextPosition(): number {
    const max = this.#sql(
      'SELECT max(coalesce((SELECT max(last) FROM segments), 0), coalesce((SELECT max(position) FROM set_aside), 0)) AS n',
    ).get() as { n: number };
    return Math.max(Number(this.#meta('next_position') ?? 1), Number(max.n) + 1);
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

  /** The statement of `text`, prepared once. */
  #sql(text: string): StatementSync {
    let statement = this.#statements.get(text);
    if (statement === undefined) {
      statement = this.#db.prepare(text);
      this.#statements.set(text, statement);
    }
    return statement;
  }

  #assertOpen(what: string): void {
    if (this.#closed !== null) throw new JournalClosedError(`cannot ${what}`);
  }
}
