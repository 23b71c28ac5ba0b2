// `batchwatch/journal`: durable delivery. The Journal an EventQueue writes to (option `journal`),
// the embedded node:sqlite one, the stored-event encoder and their errors. The only entry point
// that loads node:sqlite (on first use of a SqliteJournal); the Redis Streams journal loads ioredis with it.

export type { CheckpointStore } from './checkpoint-store.ts';
export { decodeEvent, EVENT_FORMAT_VERSION, EventCodecError, encodeEvent } from './event-codec.ts';
export type {
  DeadLetter,
  Journal,
  JournalConsumer,
  JournalRecovery,
  RecoveredRecord,
  RedeliveredEvent,
  SetAsideRecord,
  SharedJournal,
} from './journal.ts';
export { isRedelivered, isSharedJournal, RecordState } from './journal.ts';
export {
  JournalClosedError,
  JournalError,
  JournalFullError,
  JournalIoError,
  JournalRecordError,
} from './journal-errors.ts';
export { RedisJournal } from './redis-journal.ts';
export type { RedisJournalOptions } from './redis-journal-options.ts';
export { SqliteJournal } from './sqlite-journal.ts';
export type { SqliteJournalOptions } from './sqlite-journal-options.ts';
export { SqliteSync } from './sqlite-journal-options.ts';
export { JOURNAL_FILE, openStateDir } from './state-dir.ts';
