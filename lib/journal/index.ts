// `batchwatch/journal`: durable delivery. The Journal an EventQueue writes to (option `journal`),
// the embedded node:sqlite one, the stored-event encoder and their errors. The only entry point
// that loads node:sqlite (on first use of a SqliteJournal).

export type { CheckpointStore } from './checkpoint-store.ts';
export { decodeEvent, EVENT_FORMAT_VERSION, EventCodecError, encodeEvent } from './event-codec.ts';
export type {
  DeadLetter,
  Journal,
  JournalRecovery,
  RecoveredRecord,
  RedeliveredEvent,
  SetAsideRecord,
} from './journal.ts';
export { isRedelivered, RecordState } from './journal.ts';
export {
  JournalClosedError,
  JournalError,
  JournalIoError,
  JournalRecordError,
} from './journal-errors.ts';
export { SqliteJournal } from './sqlite-journal.ts';
export type { SqliteJournalOptions } from './sqlite-journal-options.ts';
export { SqliteSync } from './sqlite-journal-options.ts';
export { JOURNAL_FILE, openStateDir } from './state-dir.ts';
