// A poll source resumes from the revision it saved in a checkpoint store (the queue's journal).
import { describe, expect, it } from 'vitest';
import type { Event } from '../../../../lib/events/event.ts';
import { SqliteJournal } from '../../../../lib/journal/sqlite-journal.ts';
import { pollSource } from '../../../../lib/sources/poll/poll-source.ts';
import { marbles } from '../../../support/marbles.ts';
import { type Change, eventOf, Feed, toEvent } from './feed.ts';

describe('pollSource checkpoint', () => {
  it('saves each page’s last revision and, started again, resumes after it', async () => {
    await using journal = new SqliteJournal({ path: ':memory:' });
    const delivered: Event[][] = [[], []];
    for (const run of [0, 1]) {
      marbles((vt) => {
        const feed = new Feed(() => vt.testScheduler.now(), run === 0 ? 3 : 0);
        if (run === 1) {
          feed.append(5); // revisions 1..5: 1..3 were delivered by the first run
        }
        feed.pageSize = 2;
        const poll = pollSource<Change>({
          fetch: feed.fetch,
          toEvent,
          interval: 10,
          scheduler: vt.timers,
          startRevision: '0',
          checkpoint: journal,
          checkpointName: 'feed',
        });
        const subscription = poll.subscribe((event) => delivered[run]?.push(event));
        vt.at(50, () => subscription.unsubscribe());
      });
      if (run === 0) {
        expect(journal.checkpoint('feed')).toBe('3');
        journal.commit();
      }
    }
    expect(delivered[0]).toEqual([1, 2, 3].map(eventOf));
    expect(delivered[1]).toEqual([4, 5].map(eventOf));
    expect(journal.checkpoint('feed')).toBe('5');
  });

  it('refuses a saved checkpoint that is not a revision, and a store that is not one', async () => {
    await using journal = new SqliteJournal({ path: ':memory:' });
    journal.setCheckpoint('poll', 'not-a-revision');
    const feed = new Feed(() => 0);
    expect(() => pollSource<Change>({ fetch: feed.fetch, toEvent, checkpoint: journal })).toThrow(
      /Bad option checkpoint/,
    );
    expect(() =>
      pollSource<Change>({ fetch: feed.fetch, toEvent, checkpoint: {} as never }),
    ).toThrow(/CheckpointStore/);
  });
});
