import type { Event } from '../events/event.ts';
import type { CheckpointStore } from './checkpoint-store.ts';

/**
 * Where a stored event is in its life. A record is written `accepted`,
 * becomes `inFlight` when a batch carrying it goes to the handler, and leaves
 * the journal once the handler succeeded (acknowledged) or is moved to the
 * dead letters when the handler failed on every try.
 *
 * ```
 *   append ─► accepted ─► inFlight ─ok──────────────► acknowledged (deleted)
 *                 ▲           │ failed: tries + 1      (crash: accepted and in
 *                 │           ▼                         flight come back,
 *                 │      (retry) ─ last try failed ──► dead-lettered: kept,
 *                 └──────────── replayDeadLetter ◄──── listable, replayable
 * ```
 */
export const RecordState = {
  Accepted: 0,
  InFlight: 1,
} as const;

/** One of the {@link RecordState} values. */
export type RecordState = (typeof RecordState)[keyof typeof RecordState];

/** A record that was not acknowledged when the journal was opened. */
export interface RecoveredRecord {
  /** Its position: journal positions only grow. */
  readonly position: number;
  readonly event: Event;
  /** Whether a handler had received it (it was in flight). */
  readonly delivered: boolean;
  /** How many tries of its batch had failed. */
  readonly tries: number;
}

/** A record that could not be decoded: it was set aside (kept), not redelivered. */
export interface SetAsideRecord {
  readonly position: number;
  /** The record as stored. */
  readonly record: string;
  /** Why it could not be decoded. */
  readonly reason: string;
}

/** What {@link Journal.recover} found. */
export interface JournalRecovery {
  /** Every record not acknowledged, in order. */
  readonly records: readonly RecoveredRecord[];
  /** Records set aside by this recovery. */
  readonly setAside: readonly SetAsideRecord[];
}

/** A batch whose handler failed on every try: kept until replayed or discarded. */
export interface DeadLetter {
  readonly id: number;
  /** When it was dead-lettered, ms since the epoch. */
  readonly time: number;
  readonly tries: number;
  /** The last failure, as text. */
  readonly cause: string;
  /** The batch as the handler saw it (decodable records only). */
  readonly events: readonly Event[];
  /** Its records that could not be decoded (kept with the dead letter). */
  readonly undecodable: readonly string[];
}

/**
 * What an `EventQueue` writes to (`journal` option), and what keeps source
 * checkpoints beside it. Positions are the journal's: they grow with every
 * append, and "through" a position means every record at or below it.
 *
 * Intake is synchronous (`append` buffers); `commit` makes what was appended
 * durable, and the queue calls it before it hands a batch to the handler
 * and at the end of every intake turn. Any method may return a promise (a
 * journal over the network); the queue waits for it in order.
 */
export interface Journal extends CheckpointStore {
  /**
   * How long the queue may group intake before it commits, in ms: appends
   * are committed at most this long after they were made (and always before
   * their batch goes to the handler). 0: at the end of every intake turn.
   */
  readonly commitWindow: number;
  /** Stores an event as accepted; durable once the next `commit()` settles. Returns its position. */
  append(event: Event): number;
  /** Makes every append (and checkpoint) so far durable. */
  commit(): void | PromiseLike<void>;
  /**
   * Every record not acknowledged, in order; records that cannot be decoded
   * are set aside (kept in the journal) and listed apart. Call once, before
   * the first append.
   */
  recover(): JournalRecovery | PromiseLike<JournalRecovery>;
  /** The records through `position` went to the handler. */
  markInFlight(through: number): void | PromiseLike<void>;
  /** A try of the batch through `position` failed: counts it on its records. */
  markFailed(through: number): void | PromiseLike<void>;
  /** The handler succeeded with everything through `position`: those records are acknowledged. */
  acknowledge(through: number): void | PromiseLike<void>;
  /**
   * Keeps `events` as a dead letter, acknowledging nothing: what `route()`
   * does with a part whose handler failed on every try (option `journal`),
   * before the queue acknowledges the batch the part came from.
   */
  keepDeadLetter(events: readonly Event[], tries: number, cause: string): void | PromiseLike<void>;
  /** Acknowledges everything through `position` and keeps `batch` as a dead letter, in one step. */
  deadLetter(
    through: number,
    batch: readonly Event[],
    tries: number,
    cause: string,
  ): void | PromiseLike<void>;
  /** The dead letters, oldest first. */
  deadLetters(): readonly DeadLetter[] | PromiseLike<readonly DeadLetter[]>;
  /**
   * Puts a dead letter's events back as accepted records (delivered when a
   * queue next opens the journal) and removes it. Returns how many events it
   * held; 0 when there is no such dead letter.
   */
  replayDeadLetter(id: number): number | PromiseLike<number>;
  /** Removes a dead letter for good. Returns whether it existed. */
  discardDeadLetter(id: number): boolean | PromiseLike<boolean>;
  /** Commits and releases the journal. Idempotent: the same promise every time. */
  close(): Promise<void>;
}

/** What a {@link SharedJournal} hands the queue that consumes from it. */
export interface JournalConsumer {
  /**
   * Records this consumer took, in the journal's order, each with a new
   * position (positions only grow). `delivered` records had gone to a
   * consumer before (taken over from a dead one, or this one's own after a
   * restart): the queue marks them redelivered.
   */
  deliver(records: readonly RecoveredRecord[]): void;
  /** Records that could not be decoded: set aside (kept apart), never delivered. */
  setAside(records: readonly SetAsideRecord[]): void;
  /** A journal operation failed (it is retried); `operation` says which. */
  error(operation: string, cause: unknown): void;
}

/**
 * A journal several consumers share (Redis Streams): what a queue appends
 * does not go straight to its own handler but to whichever consumer of the
 * group takes it; each consumer's queue gets its records from `consume`.
 * Positions are the consumer's own (they number what it took, in order), so
 * `acknowledge(through)` and `markFailed(through)` mean what they mean for
 * any journal. `recover()` gives back what this consumer had taken and not
 * acknowledged before a restart (same consumer name).
 */
export interface SharedJournal extends Journal {
  readonly shared: true;
  /** Starts taking records for `consumer`; called once, after `recover()` settled. */
  consume(consumer: JournalConsumer): void;
}

/** Whether `journal` is a {@link SharedJournal}. */
export function isSharedJournal(journal: Journal): journal is SharedJournal {
  return (journal as Partial<SharedJournal>).shared === true;
}

/** An event the queue redelivered after a restart: `redelivered` is `true` on it. */
export type RedeliveredEvent = Event & { readonly redelivered: true };

/** Whether `event` was redelivered from a journal after a restart (handlers use it to stay idempotent). */
export function isRedelivered(event: Event): event is RedeliveredEvent {
  return (event as Partial<RedeliveredEvent>).redelivered === true;
}
