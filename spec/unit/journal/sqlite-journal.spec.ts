import { describe, expect, it } from 'vitest';
import { OptionsError } from '../../../lib/errors.ts';
import { Action } from '../../../lib/events/action.ts';
import { createEvent, type Event } from '../../../lib/events/event.ts';
import { JournalClosedError } from '../../../lib/journal/journal-errors.ts';
import { loadSqlite } from '../../../lib/journal/load-sqlite.ts';
import { SqliteJournal } from '../../../lib/journal/sqlite-journal.ts';
import { damageRecord } from '../../support/journal-rows.ts';

const fileEvent = (name: string, action: Action = Action.FileWritten): Event =>
  createEvent({ type: 'file', actorName: name, actorId: `/r/${name}`, action, time: 1000 });

describe('SqliteJournal', () => {
  it('gives growing positions, and recovers committed records in order with their state', async () => {
    await using journal = new SqliteJournal({ path: ':memory:' });
    expect(journal.recover()).toEqual({ records: [], setAside: [] });
    // State and tries are kept per commit (one segment a commit): a, b in one, c, d in the next.
    const positions = ['a', 'b'].map((n) => journal.append(fileEvent(n)));
    journal.commit();
    positions.push(...['c', 'd'].map((n) => journal.append(fileEvent(n))));
    expect(positions).toEqual([1, 2, 3, 4]);
    journal.markInFlight(2);
    journal.commit();
    journal.markFailed(2);
    journal.markFailed(2);
    const { records } = journal.recover();
    expect(records.map((r) => [r.position, r.event.actorName, r.delivered, r.tries])).toEqual([
      [1, 'a', true, 2],
      [2, 'b', true, 2],
      [3, 'c', false, 0],
      [4, 'd', false, 0],
    ]);
  });

  it('acknowledges through a position; positions keep growing after everything is acknowledged', async () => {
    await using journal = new SqliteJournal({ path: ':memory:' });
    journal.append(fileEvent('a'));
    journal.append(fileEvent('b'));
    journal.commit();
    journal.acknowledge(1);
    expect(journal.recover().records.map((r) => r.event.actorName)).toEqual(['b']);
    journal.acknowledge(2);
    expect(journal.pendingCount()).toBe(0);
    expect(journal.append(fileEvent('c'))).toBe(3);
  });

  it('holds nothing that was appended but not committed', async () => {
    await using journal = new SqliteJournal({ path: ':memory:' });
    journal.append(fileEvent('a'));
    expect(journal.pendingCount()).toBe(0);
    journal.commit();
    expect(journal.pendingCount()).toBe(1);
  });

  it('keeps dead letters, lists them, replays them as new accepted records, discards them', async () => {
    await using journal = new SqliteJournal({ path: ':memory:' });
    const batch = [fileEvent('a'), fileEvent('b', Action.FileDeleted)];
    for (const event of batch) journal.append(event);
    journal.append(fileEvent('later'));
    journal.commit();
    journal.deadLetter(2, batch, 3, 'boom');
    journal.deadLetter(2, [fileEvent('x')], 1, 'again');
    const letters = journal.deadLetters();
    expect(letters.map((l) => [l.id, l.tries, l.cause, l.events, l.undecodable])).toEqual([
      [1, 3, 'boom', batch, []],
      [2, 1, 'again', [fileEvent('x')], []],
    ]);
    expect(journal.recover().records.map((r) => r.event.actorName)).toEqual(['later']);
    expect(journal.replayDeadLetter(1)).toBe(2);
    expect(journal.replayDeadLetter(1)).toBe(0);
    expect(journal.recover().records.map((r) => [r.position, r.event.actorName])).toEqual([
      [3, 'later'],
      [4, 'a'],
      [5, 'b'],
    ]);
    expect(journal.discardDeadLetter(2)).toBe(true);
    expect(journal.discardDeadLetter(2)).toBe(false);
    expect(journal.deadLetters()).toEqual([]);
  });

  it('sets an undecodable record aside (kept, listed), and recovers the others', async () => {
    // A shared in-memory database: a second connection can damage a record behind the journal's back.
    const path = 'file:set-aside?mode=memory&cache=shared';
    await using journal = new SqliteJournal({ path });
    journal.append(fileEvent('a'));
    journal.append(fileEvent('b'));
    journal.append(fileEvent('c'));
    journal.commit();
    const raw = new (loadSqlite().DatabaseSync)(path);
    damageRecord(raw, 2, '[9,"file"');
    const { records, setAside } = journal.recover();
    expect(records.map((r) => r.event.actorName)).toEqual(['a', 'c']);
    expect(setAside).toEqual([{ position: 2, record: '[9,"file"', reason: 'not JSON' }]);
    expect(journal.setAside()).toEqual(setAside);
    // Set aside once: a second recovery does not report it again.
    expect(journal.recover().setAside).toEqual([]);
    raw.close();
  });

  it('saves checkpoints with the next commit', async () => {
    await using journal = new SqliteJournal({ path: ':memory:' });
    expect(journal.checkpoint('docker')).toBeUndefined();
    journal.setCheckpoint('docker', '123');
    expect(journal.checkpoint('docker')).toBe('123');
    journal.commit();
    journal.setCheckpoint('docker', '456');
    journal.commit();
    expect(journal.checkpoint('docker')).toBe('456');
  });

  it('closes idempotently (one promise) and refuses use after close', async () => {
    const journal = new SqliteJournal({ path: ':memory:' });
    const closed = journal.close();
    expect(journal.close()).toBe(closed);
    await closed;
    expect(() => journal.append(fileEvent('a'))).toThrow(JournalClosedError);
  });

  it('validates its options', () => {
    expect(() => new SqliteJournal({ path: '' })).toThrow(OptionsError);
    expect(() => new SqliteJournal({ path: ':memory:', sync: 'often' as 'full' })).toThrow(/sync/);
    expect(() => new SqliteJournal({ path: ':memory:', pth: 1 } as never)).toThrow(
      /Unknown option pth/,
    );
  });

  it('loads node:sqlite without an ExperimentalWarning, and lets other warnings through', () => {
    const seen: string[] = [];
    const listener = (warning: Error): void => {
      seen.push(warning.message);
    };
    process.on('warning', listener);
    try {
      expect(typeof loadSqlite().DatabaseSync).toBe('function');
    } finally {
      process.off('warning', listener);
    }
    expect(seen.filter((m) => /sqlite/i.test(m))).toEqual([]);
  });
});
