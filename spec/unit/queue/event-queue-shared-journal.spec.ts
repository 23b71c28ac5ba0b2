// EventQueue on a SharedJournal (the contract RedisJournal implements), with an in-memory one:
// intake only appends; the engine gets what the journal delivers to this consumer; records
// delivered before come marked redelivered with their failed tries; positions are acknowledged
// after the handler; what arrives after the queue stopped is left unacknowledged.
import { describe, expect, it, vi } from 'vitest';
import { type Event, EventQueue, type QueueError } from '../../../lib/index.ts';
import type {
  DeadLetter,
  JournalConsumer,
  JournalRecovery,
  RecoveredRecord,
  SharedJournal,
} from '../../../lib/journal/journal.ts';
import { isRedelivered } from '../../../lib/journal/journal.ts';
import { JournalRecordError } from '../../../lib/journal/journal-errors.ts';
import { fileEvent } from '../../../lib/testing/index.ts';

/** What the queue did to the journal, in order, and a way to deliver records to it. */
class MemorySharedJournal implements SharedJournal {
  readonly shared = true as const;
  readonly commitWindow = 0;
  readonly appended: Event[] = [];
  readonly calls: string[] = [];
  consumer: JournalConsumer | null = null;
  readonly #recovery: JournalRecovery;

  constructor(recovery: JournalRecovery = { records: [], setAside: [] }) {
    this.#recovery = recovery;
  }
  checkpoint(): string | undefined {
    return undefined;
  }
  setCheckpoint(): void {}
  append(event: Event): number {
    this.appended.push(event);
    return 0;
  }
  commit(): void {}
  recover(): Promise<JournalRecovery> {
    return Promise.resolve(this.#recovery);
  }
  consume(consumer: JournalConsumer): void {
    this.consumer = consumer;
  }
  markInFlight(): void {}
  markFailed(through: number): void {
    this.calls.push(`failed ${through}`);
  }
  acknowledge(through: number): void {
    this.calls.push(`ack ${through}`);
  }
  keepDeadLetter(): void {}
  deadLetter(through: number, batch: readonly Event[], tries: number): void {
    this.calls.push(`dead ${through} ${batch.length} ${tries}`);
  }
  deadLetters(): readonly DeadLetter[] {
    return [];
  }
  replayDeadLetter(): number {
    return 0;
  }
  discardDeadLetter(): boolean {
    return false;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const event = (name: string): Event => fileEvent.written(name, { time: 1000 });
const record = (position: number, name: string, delivered = false, tries = 0): RecoveredRecord => ({
  position,
  event: event(name),
  delivered,
  tries,
});

describe('EventQueue on a shared journal', () => {
  it('only appends what it takes in; handles and acknowledges what the journal delivers', async () => {
    const journal = new MemorySharedJournal();
    const batches: string[][] = [];
    const queue = new EventQueue({
      journal,
      flushInterval: 1,
      onFlush: (batch) => void batches.push(batch.map((e) => e.actorName)),
    });
    queue.push(event('mine'));
    await vi.waitFor(() => expect(journal.consumer).not.toBeNull());
    expect(journal.appended.map((e) => e.actorName)).toEqual(['mine']);
    journal.consumer?.deliver([record(1, 'a'), record(2, 'b')]);
    await vi.waitFor(() => expect(journal.calls).toEqual(['ack 2']));
    expect(batches).toEqual([['a', 'b']]);
    await queue.close();
  });

  it('marks records delivered before as redelivered and counts their earlier tries', async () => {
    const journal = new MemorySharedJournal({ records: [record(1, 'own', true, 1)], setAside: [] });
    const seen: Event[][] = [];
    const queue = new EventQueue({
      journal,
      flushInterval: 1,
      maxRetries: 1,
      retry: () => 1,
      onFlush: (batch) => {
        seen.push([...batch]);
        throw new Error('down');
      },
      onError: () => {},
    });
    // Its one retry was used before the restart: one more try, then a dead letter.
    await vi.waitFor(() => expect(journal.calls).toEqual(['failed 1', 'dead 1 1 1']));
    expect(seen.map((batch) => batch.map(isRedelivered))).toEqual([[true]]);
    await queue.close();
  });

  it('reports records set aside, and leaves what is delivered after stop() unacknowledged', async () => {
    const journal = new MemorySharedJournal();
    const errors: QueueError[] = [];
    const batches: Event[][] = [];
    const queue = new EventQueue({
      journal,
      flushInterval: 1,
      onFlush: (batch) => void batches.push([...batch]),
      onError: (error) => errors.push(error),
    });
    await vi.waitFor(() => expect(journal.consumer).not.toBeNull());
    journal.consumer?.setAside([{ position: 1, record: '[9]', reason: 'version 9' }]);
    expect(errors).toEqual([expect.any(JournalRecordError)]);
    journal.consumer?.deliver([record(2, 'taken over', true)]);
    await vi.waitFor(() => expect(journal.calls).toEqual(['ack 2']));
    expect(batches[0]?.every(isRedelivered)).toBe(true);
    queue.stop();
    journal.consumer?.deliver([record(3, 'late')]);
    expect(journal.calls).toEqual(['ack 2']);
    expect(queue.stats().received).toBe(1);
  });
});
