// EventQueue with a journal (the embedded SQLite one, in memory): what is acknowledged when,
// redelivery on a new queue over the same journal, retry counts and dead letters that survive.
import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { type Event, EventQueue, type QueueError } from '../../../lib/index.ts';
import { isRedelivered } from '../../../lib/journal/journal.ts';
import { JournalRecordError } from '../../../lib/journal/journal-errors.ts';
import { loadSqlite } from '../../../lib/journal/load-sqlite.ts';
import { SqliteJournal } from '../../../lib/journal/sqlite-journal.ts';
import { fileEvent as testFile } from '../../../lib/testing/index.ts';
import { damageRecord, journalRows } from '../../support/journal-rows.ts';

const fileEvent = (name: string, kind: 'written' | 'created' | 'deleted' = 'written'): Event =>
  testFile[kind](name, { time: 1000 });

let databases = 0;
/** A shared in-memory database, so that a second connection can look at (or damage) the rows. */
function openJournal(options: { commitWindow?: number } = {}): {
  journal: SqliteJournal;
  rows: () => { position: number; state: number; tries: number }[];
  raw: import('node:sqlite').DatabaseSync;
} {
  const path = `file:queue-journal-${databases++}?mode=memory&cache=shared`;
  const journal = new SqliteJournal({ path, ...options });
  const raw = new (loadSqlite().DatabaseSync)(path);
  const rows = () =>
    journalRows(raw).map(({ position, state, tries }) => ({ position, state, tries }));
  return { journal, rows, raw };
}

const names = (batch: readonly Event[]): string[] => batch.map((e) => e.actorName);

describe('EventQueue with a journal', () => {
  it('commits and marks a batch in flight before onFlush sees it, and acknowledges it after', async () => {
    const { journal, rows } = openJournal();
    const seen: ReturnType<typeof rows>[] = [];
    const queue = new EventQueue({
      journal,
      flushInterval: 1,
      onFlush: () => {
        seen.push(rows());
      },
    });
    queue.push(fileEvent('a'));
    queue.push(fileEvent('b'));
    await queue.sync();
    expect(seen).toEqual([
      [
        { position: 1, state: 1, tries: 0 },
        { position: 2, state: 1, tries: 0 },
      ],
    ]);
    await vi.waitFor(() => expect(rows()).toEqual([]));
    await queue.close();
  });

  it('with commitWindow 0, commits every event of an intake turn before the next turn', async () => {
    const { journal, rows } = openJournal({ commitWindow: 0 });
    const queue = new EventQueue({ journal, flushInterval: 60_000 });
    for (let i = 0; i < 100; i++) queue.push(fileEvent(`f${i}`));
    expect(rows()).toHaveLength(0); // still the same turn
    await new Promise((resolve) => setImmediate(resolve));
    expect(rows()).toHaveLength(100);
    queue.stop();
  });

  it('by default groups the commits of 10 ms of intake (in virtual time: on the queue scheduler)', () => {
    const { journal, rows } = openJournal();
    const scheduler = new VirtualTimeScheduler();
    const queue = new EventQueue({ journal, flushInterval: 60_000, scheduler });
    queue.push(fileEvent('a'));
    scheduler.maxFrames = 9;
    scheduler.flush();
    expect(rows()).toHaveLength(0);
    queue.push(fileEvent('b'));
    scheduler.maxFrames = 10;
    scheduler.flush();
    return Promise.resolve()
      .then(() => new Promise((resolve) => setImmediate(resolve)))
      .then(() => {
        expect(rows().map((r) => r.position)).toEqual([1, 2]);
        queue.stop();
      });
  });

  it('stop() commits at once what was taken in, and leaves no commit timer behind', async () => {
    const { journal, rows } = openJournal({ commitWindow: 60_000 });
    const scheduler = new VirtualTimeScheduler();
    const queue = new EventQueue({ journal, flushInterval: 60_000, scheduler });
    queue.push(fileEvent('a'));
    queue.stop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(rows()).toHaveLength(1);
    expect(scheduler.actions).toEqual([]);
  });

  it('redelivers to a new queue what was not acknowledged, in order, marked redelivered', async () => {
    const { journal } = openJournal();
    let hang = true;
    const first: string[][] = [];
    const q1 = new EventQueue({
      journal,
      flushInterval: 1,
      onFlush: (batch) => {
        first.push(names(batch));
        // The "crash" comes while this flush runs.
        return hang ? new Promise(() => {}) : undefined;
      },
    });
    q1.push(fileEvent('a'));
    q1.push(fileEvent('b'));
    await vi.waitFor(() => expect(first).toEqual([['a', 'b']]));
    q1.push(fileEvent('c')); // accepted while the batch is in flight
    q1.stop();
    hang = false;

    const batches: Event[][] = [];
    const q2 = new EventQueue({
      journal,
      flushInterval: 1,
      onFlush: (batch) => void batches.push([...batch]),
    });
    q2.push(fileEvent('d'));
    await q2.sync();
    await q2.close();
    const all = batches.flat();
    expect(names(all)).toEqual(['a', 'b', 'c', 'd']);
    expect(all.map(isRedelivered)).toEqual([true, true, true, false]);
    expect(all[0]).toEqual({ ...fileEvent('a'), redelivered: true });
    expect(journal.pendingCount()).toBe(0);
  });

  it('keeps the count of failed tries across a restart: the new queue tries only what is left', async () => {
    const { journal, rows } = openJournal();
    const retry = { maxRetries: 2, backoff: () => 1 };
    const q1 = new EventQueue({
      journal,
      flushInterval: 1,
      retry: { maxRetries: 2, backoff: () => 60_000 },
      onFlush: () => {
        throw new Error('down');
      },
      onError: () => {},
    });
    q1.push(fileEvent('a'));
    await vi.waitFor(() => expect(rows()).toEqual([{ position: 1, state: 1, tries: 1 }]));
    q1.stop(); // during the retry's backoff

    let calls = 0;
    const errors: QueueError[] = [];
    const q2 = new EventQueue({
      journal,
      flushInterval: 1,
      retry,
      onFlush: () => {
        calls++;
        throw new Error('still down');
      },
      onError: (error) => errors.push(error),
    });
    await q2.sync();
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    expect(calls).toBe(2); // 3 tries in all
    expect(errors[0]).toMatchObject({ name: 'FlushError' });
    expect(journal.deadLetters()).toMatchObject([
      { id: 1, cause: 'still down', events: [{ actorName: 'a', redelivered: true }] },
    ]);
    expect(rows()).toEqual([]);
    await q2.close();
  });

  it('dead-letters at once a redelivered batch whose tries were used up before the restart', async () => {
    const { journal, raw } = openJournal();
    journal.append(fileEvent('a'));
    journal.commit();
    raw.prepare('UPDATE segments SET state = 1, tries = 3').run();
    const onFlush = vi.fn();
    const errors: QueueError[] = [];
    const queue = new EventQueue({
      journal,
      flushInterval: 1,
      retry: { maxRetries: 2 },
      onFlush,
      onError: (error) => errors.push(error),
    });
    await queue.sync();
    await vi.waitFor(() => expect(journal.deadLetters()).toHaveLength(1));
    expect(onFlush).not.toHaveBeenCalled();
    expect(errors[0]?.cause).toMatchObject({
      message: expect.stringMatching(/3 tries were used up/),
    });
    await queue.close();
  });

  it('keeps a dead letter, and a replayed dead letter is delivered by the next queue', async () => {
    const { journal } = openJournal();
    const q1 = new EventQueue({
      journal,
      flushInterval: 1,
      onFlush: () => Promise.reject(new Error('nope')),
      onError: () => {},
    });
    q1.push(fileEvent('a'));
    await q1.sync();
    await vi.waitFor(() => expect(journal.deadLetters()).toHaveLength(1));
    await q1.close();
    expect(journal.pendingCount()).toBe(0);
    const [letter] = journal.deadLetters();
    expect(letter).toMatchObject({ tries: 1, cause: 'nope', events: [fileEvent('a')] });
    expect(journal.replayDeadLetter(letter?.id ?? 0)).toBe(1);

    const batches: string[][] = [];
    const q2 = new EventQueue({
      journal,
      flushInterval: 1,
      onFlush: (batch) => void batches.push(names(batch)),
    });
    await q2.sync();
    await q2.close();
    expect(batches).toEqual([['a']]);
    expect(journal.deadLetters()).toEqual([]);
  });

  it('reports an undecodable record as a JournalRecordError, keeps it aside and delivers the others', async () => {
    const { journal, raw } = openJournal();
    for (const name of ['a', 'b', 'c']) journal.append(fileEvent(name));
    journal.commit();
    damageRecord(raw, 2, '[7,"file","b","",{},1,1,0]');
    const errors: QueueError[] = [];
    const batches: string[][] = [];
    const queue = new EventQueue({
      journal,
      flushInterval: 1,
      onFlush: (batch) => void batches.push(names(batch)),
      onError: (error) => errors.push(error),
    });
    await queue.sync();
    await queue.close();
    expect(batches).toEqual([['a', 'c']]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(JournalRecordError);
    expect(errors[0]).toMatchObject({ position: 2, code: 'BATCHWATCH_JOURNAL_RECORD' });
    expect(journal.setAside()).toMatchObject([
      { position: 2, reason: expect.stringMatching(/format version 7/) },
    ]);
  });

  it('acknowledges a batch cut by maxBatch only with the batch that leaves nothing behind', async () => {
    const { journal, rows } = openJournal();
    const acked: number[][] = [];
    const queue = new EventQueue({
      journal,
      flushInterval: 1,
      maxBatch: 2,
      onFlush: () => {
        acked.push(rows().map((r) => r.position));
      },
    });
    for (const name of ['a', 'b', 'c']) queue.push(fileEvent(name));
    await queue.sync();
    await queue.close();
    // During the first batch (a, b) all three were unacknowledged; during the second (c) too.
    expect(acked).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
    expect(rows()).toEqual([]);
  });

  it('acknowledges coalesced and cancelled-out events with their batch', async () => {
    const { journal, rows } = openJournal();
    const batches: Event[][] = [];
    const queue = new EventQueue({
      journal,
      flushInterval: 5,
      coalesce: true,
      onFlush: (batch) => void batches.push([...batch]),
    });
    queue.push(fileEvent('a', 'created'));
    queue.push(fileEvent('a', 'written'));
    queue.push(fileEvent('b', 'created'));
    queue.push(fileEvent('b', 'deleted'));
    await queue.sync();
    await queue.close();
    expect(batches.map(names)).toEqual([['a']]);
    expect(rows()).toEqual([]);
  });

  it('delivers through route(): a part that failed on every try is kept as a dead letter, and the batch acknowledged', async () => {
    const { route } = await import('../../../lib/index.ts');
    const { journal, rows } = openJournal();
    const router = route({
      key: (event) => event.actorName,
      handlers: { a: () => Promise.reject(new Error('x')), b: () => {} },
      onError: () => {},
      journal,
    });
    const queue = new EventQueue({ journal, flushInterval: 1, onFlush: router });
    queue.push(fileEvent('a'));
    queue.push(fileEvent('b'));
    await queue.sync();
    await queue.close();
    expect(rows()).toEqual([]);
    expect(router.stats()).toMatchObject({ deadLettered: 1, handled: 1 });
    expect(journal.deadLetters()).toMatchObject([
      { tries: 1, cause: 'a: x', events: [fileEvent('a')] },
    ]);
  });

  it('refuses a route journal that cannot keep dead letters', async () => {
    const { route } = await import('../../../lib/index.ts');
    expect(() =>
      route({ key: () => 'k', handlers: { k: () => {} }, journal: {} as never }),
    ).toThrow(/Bad option journal/);
  });

  it('refuses a journal option that is not a Journal', () => {
    expect(() => new EventQueue({ journal: {} as never })).toThrow(/Bad option journal/);
  });
});
