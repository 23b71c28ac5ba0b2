import createDebug from 'debug';
import type { SchedulerLike, Subscription } from 'rxjs';
import type { RetryPolicy } from '../backoff.ts';
import { describeCause } from '../describe.ts';
import type { QueueError } from '../errors.ts';
import type { Event } from '../events/event.ts';
import {
  isSharedJournal,
  type Journal,
  type JournalRecovery,
  type RecoveredRecord,
} from '../journal/journal.ts';
import { JournalIoError, JournalRecordError } from '../journal/journal-errors.ts';
import { settle } from '../settle.ts';
import type { FlushHandler, ResolvedEventQueueOptions } from './event-queue-options.ts';
import { FlushError } from './queue-errors.ts';

const log = createDebug('batchwatch:queue:journal');

/** The tries of a redelivered batch were used up before the restart. */
class TriesUsedUpError extends Error {
  override readonly name = 'TriesUsedUpError';
}

/**
 * What an `EventQueue` with a `journal` does around its engine, in one place:
 *
 * - intake: every event is appended to the journal before the engine sees
 *   it; appends are committed together, at most the journal's `commitWindow`
 *   ms later (0: at the end of the intake turn), with the source checkpoints
 *   saved meanwhile;
 * - a batch: its handler runs only after everything through the batch's last
 *   position is committed and marked in flight; success acknowledges it, a
 *   failed try is counted on its records, a dead letter is kept;
 * - restart: what the journal did not acknowledge is added again first, in
 *   order, each event marked `redelivered: true`, with its count of failed tries;
 * - a shared journal (Redis, several consumers): intake only appends, and the
 *   engine gets what this consumer takes from the journal (`consume`), taken
 *   over entries marked `redelivered: true` as after a restart.
 *
 * A batch covers a position range: everything through the last accepted
 * event, when nothing is left pending after the batch was taken. When some
 * is left (a `maxBatch` cut), the batch is acknowledged with the next batch
 * that leaves nothing behind: at least once, never lost. (The engine merges
 * and cancels events while coalescing, so positions are not followed one by
 * one; the capacity bounds how long that can last.)
 */
export class JournalHook {
  /** The queue's options with `onFlush`, `retry.backoff` and `onError` wrapped. */
  readonly options: ResolvedEventQueueOptions;
  readonly #journal: Journal;
  /** Intake goes to the journal only; the engine is fed from what it delivers. */
  readonly #shared: boolean;
  readonly #report: (error: QueueError) => void;
  #add: ((event: Event) => void) | null = null;
  /** Appended while the recovery was running: added after the recovered events. */
  #held: Event[] | null = null;
  #heldPositions: number[] = [];
  #lastAdded = 0;
  #acknowledged = 0;
  /** Through where the batch with the handler reaches. */
  #current = 0;
  #commitScheduled = false;
  #commitTimer: Subscription | null = null;
  readonly #scheduler: SchedulerLike;
  #stopped = false;
  /** Journal operations in order (a journal over the network answers later). */
  #tail: Promise<void> = Promise.resolve();
  /** The recovered records' last position and their highest count of failed tries. */
  #recoveredThrough = 0;
  #recoveredTries = 0;

  constructor(
    journal: Journal,
    options: ResolvedEventQueueOptions,
    report: (error: QueueError) => void,
  ) {
    this.#journal = journal;
    this.#shared = isSharedJournal(journal);
    this.#report = report;
    this.#scheduler = options.scheduler;
    const { maxRetries, backoff } = options.retry;
    const onError = options.onError;
    this.options = Object.freeze({
      ...options,
      onFlush: this.#wrapFlush(options.onFlush, maxRetries),
      retry: Object.freeze({ maxRetries, backoff: this.#wrapBackoff(backoff, maxRetries) }),
      onError: (error: QueueError) => {
        if (error instanceof FlushError) this.#deadLettered(error);
        onError(error);
      },
    });
  }

  /** Recovers what the journal did not acknowledge, then lets intake through to `add`. */
  start(add: (event: Event) => void): void {
    let recovery: JournalRecovery | PromiseLike<JournalRecovery>;
    try {
      recovery = this.#journal.recover();
    } catch (cause) {
      this.#report(new JournalIoError('recover', cause));
      this.#add = add;
      return;
    }
    if (isThenable(recovery)) {
      this.#held = [];
      recovery.then(
        (result) => this.#recovered(result, add),
        (cause: unknown) => {
          this.#report(new JournalIoError('recover', cause));
          this.#recovered({ records: [], setAside: [] }, add);
        },
      );
    } else {
      this.#recovered(recovery, add);
    }
  }

  /** Journals an event, then hands it to the engine. Never throws. */
  accept(event: Event): void {
    if (this.#stopped) {
      if (!this.#shared) this.#add?.(event); // the engine drops and counts it
      return;
    }
    let position: number;
    try {
      position = this.#journal.append(event);
    } catch (cause) {
      // Not durable, but not lost either: the handler still gets it.
      this.#report(new JournalIoError('append an event', cause));
      position = this.#lastAdded;
    }
    if (!this.#commitScheduled) {
      this.#commitScheduled = true;
      const window = this.#journal.commitWindow;
      if (window > 0) this.#commitTimer = this.#scheduler.schedule(this.#commitTurn, window);
      else queueMicrotask(this.#commitTurn);
    }
    if (this.#shared) return; // it comes back through consume(), to this consumer or another
    if (this.#held !== null) {
      this.#held.push(event);
      this.#heldPositions.push(position);
      return;
    }
    this.#lastAdded = position;
    (this.#add as (event: Event) => void)(event);
  }

  /** The engine took a batch and left `remainder` events pending. */
  taken(remainder: number): void {
    this.#current = remainder === 0 ? this.#lastAdded : this.#acknowledged;
  }

  /**
   * The queue stopped or drained: what was taken in is committed now, and
   * what is not acknowledged stays in the journal for the next start.
   */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#commitTimer?.unsubscribe();
    this.#commitTimer = null;
    this.#enqueue('commit', () => this.#journal.commit());
  }

  /** Settles once every journal operation started so far has. */
  settled(): Promise<void> {
    return this.#tail;
  }

  readonly #commitTurn = (): void => {
    this.#commitScheduled = false;
    this.#commitTimer = null;
    this.#enqueue('commit', () => this.#journal.commit());
  };

  #recovered(recovery: JournalRecovery, add: (event: Event) => void): void {
    for (const aside of recovery.setAside) {
      this.#report(new JournalRecordError(aside.position, aside.record, aside.reason));
    }
    for (const record of recovery.records) this.#redeliver(record, add);
    if (recovery.records.length > 0) {
      log(
        'redelivering %d event(s), %d failed tries',
        recovery.records.length,
        this.#recoveredTries,
      );
    }
    this.#add = add;
    const journal = this.#journal;
    if (isSharedJournal(journal) && !this.#stopped) {
      journal.consume({
        deliver: (records) => {
          // Stopped or drained: left unacknowledged, for another consumer or the next start.
          if (this.#stopped) return;
          for (const record of records) {
            if (record.delivered) this.#redeliver(record, add);
            else {
              this.#lastAdded = record.position;
              add(record.event);
            }
          }
        },
        setAside: (records) => {
          for (const aside of records) {
            this.#report(new JournalRecordError(aside.position, aside.record, aside.reason));
          }
        },
        error: (operation, cause) => this.#report(new JournalIoError(operation, cause)),
      });
    }
    const held = this.#held ?? [];
    const positions = this.#heldPositions;
    this.#held = null;
    this.#heldPositions = [];
    for (let i = 0; i < held.length; i++) {
      this.#lastAdded = positions[i] as number;
      add(held[i] as Event);
    }
  }

  #redeliver(record: RecoveredRecord, add: (event: Event) => void): void {
    // Tries of an earlier redelivered run that is acknowledged by now do not count for this one.
    if (this.#acknowledged >= this.#recoveredThrough) this.#recoveredTries = 0;
    this.#lastAdded = record.position;
    this.#recoveredThrough = record.position;
    if (record.tries > this.#recoveredTries) this.#recoveredTries = record.tries;
    add(Object.freeze({ ...record.event, redelivered: true }));
  }

  /** Failed tries the batch with the handler had before the restart. */
  #priorTries(): number {
    return this.#recoveredTries > 0 &&
      this.#current >= this.#recoveredThrough &&
      this.#acknowledged < this.#recoveredThrough
      ? this.#recoveredTries
      : 0;
  }

  #wrapFlush(onFlush: FlushHandler | null, maxRetries: number): FlushHandler {
    return (batch) => {
      const through = this.#current;
      const prior = this.#priorTries();
      this.#journal.markInFlight(through);
      const committed = this.#enqueue('commit', () => this.#journal.commit(), true);
      return committed
        .then(() => {
          if (prior > maxRetries) {
            throw new TriesUsedUpError(`its ${prior} tries were used up before the restart`);
          }
          return onFlush === null ? undefined : runHandler(onFlush, batch);
        })
        .then(
          () => this.#acknowledgeThrough(through),
          (cause: unknown) =>
            this.#enqueue('count a failed try', () => this.#journal.markFailed(through)).then(
              () => {
                throw cause;
              },
            ),
        );
    };
  }

  #wrapBackoff(backoff: RetryPolicy, maxRetries: number): RetryPolicy {
    return (attempt) => {
      const total = attempt + this.#priorTries();
      return total > maxRetries ? null : backoff(total);
    };
  }

  #acknowledgeThrough(through: number): Promise<void> {
    if (through <= this.#acknowledged) return this.#tail;
    this.#acknowledged = through;
    return this.#enqueue('acknowledge', () => this.#journal.acknowledge(through));
  }

  #deadLettered(error: FlushError): void {
    if (this.#stopped) return; // stopped mid-flush: the batch stays in the journal for the next start
    // A batch cut short (maxBatch) acknowledges nothing yet, but its dead letter is kept all the same.
    const through = Math.max(this.#current, this.#acknowledged);
    this.#acknowledged = through;
    const cause = describeCause(error.cause);
    this.#enqueue('keep a dead letter', () =>
      this.#journal.deadLetter(through, error.batch, error.attempts, cause),
    );
  }

  /**
   * Runs `operation` after the ones before it. A failure is reported (and
   * rethrown on the returned promise when `rethrow`: the batch then fails).
   */
  #enqueue(what: string, operation: () => unknown, rethrow = false): Promise<void> {
    const run = this.#tail.then(() => operation());
    this.#tail = run.then(
      () => undefined,
      (cause: unknown) => {
        this.#report(new JournalIoError(what, cause));
      },
    );
    return rethrow ? run.then(() => undefined) : this.#tail;
  }
}

function runHandler(onFlush: FlushHandler, batch: readonly Event[]): Promise<void> {
  return new Promise((resolve, reject) => {
    settle(
      () => onFlush(batch),
      (outcome) => (outcome.ok ? resolve() : reject(outcome.cause)),
    );
  });
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as Partial<PromiseLike<T>> | null)?.then === 'function';
}
