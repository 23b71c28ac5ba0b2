// A consumer process for the crash specs: a poll feed of `total` numbered changes (resuming from
// its checkpoint in the journal) -> EventQueue with the SQLite journal -> a handler that fails
// at random (seeded) and appends what it handled to a file. It prints one marker line at each
// point a spec may kill it: I (a page is being taken in), F (a flush starts), B (a try failed:
// the retry's backoff begins), W (a batch was written, not yet acknowledged). DONE at the end.
//
// usage: node crash-consumer.ts JOURNAL OUT TOTAL SEED
import { appendFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { Action } from '../../../lib/events/action.ts';
import { createEvent } from '../../../lib/events/event.ts';
import { isRedelivered } from '../../../lib/journal/journal.ts';
import { SqliteJournal } from '../../../lib/journal/sqlite-journal.ts';
import { EventQueue } from '../../../lib/queue/event-queue.ts';
import { pollSource } from '../../../lib/sources/poll/poll-source.ts';
import { mulberry32 } from '../../support/seeded-random.ts';

const [journalPath, outPath, totalText, seedText, mode] = process.argv.slice(2);
// `hang`: the first flush never ends, so the parent's SIGKILL finds it there, however loaded the
// machine (without it the consumer could finish every event before the signal arrives).
const hang = mode === 'hang';
const total = Number(totalText);
const random = mulberry32(Number(seedText));
const mark = (marker: string): void => {
  process.stdout.write(`${marker}\n`);
};

const journal = new SqliteJournal({ path: journalPath as string });
appendFileSync(outPath as string, `# run ${seedText}\n`);
const queue = new EventQueue({
  journal,
  flushInterval: 2,
  maxBatch: 100,
  maxRetries: 1_000,
  retry: () => 1 + Math.floor(random() * 20),
  onFlush: async (batch) => {
    mark('F');
    if (hang) await new Promise(() => {});
    await delay(random() * 3); // the handler's work
    if (random() < 0.25) {
      mark('B');
      throw new Error('flaky handler');
    }
    const line = batch.map((e) => `${e.actorName}${isRedelivered(e) ? 'r' : ''}`).join(' ');
    appendFileSync(outPath as string, `${line}\n`);
    mark('W');
  },
  onError: (error) => {
    process.stderr.write(`${error.name}: ${error.message}\n`);
  },
});

const pageSize = 50;
const feed = pollSource<{ revision: string }>({
  startRevision: '0',
  checkpoint: journal,
  interval: 5,
  maxRetries: Number.POSITIVE_INFINITY,
  fetch: async ({ sinceRevision }) => {
    await new Promise((resolve) => setImmediate(resolve));
    mark('I');
    const since = Number(sinceRevision ?? 0);
    const events = [];
    for (let n = since + 1; n <= Math.min(total, since + pageSize); n++) {
      events.push({ revision: String(n) });
    }
    return { events, currentRevision: String(total) };
  },
  toEvent: (raw) =>
    createEvent({ type: 'file', actorName: raw.revision, action: Action.FileWritten, time: 1 }),
});
const subscription = queue.start(feed);
feed.caughtUp$.subscribe((caughtUp) => {
  if (!caughtUp || feed.revision !== String(total)) return;
  setImmediate(async () => {
    subscription.unsubscribe();
    await queue.drain();
    await journal.close();
    mark('DONE');
  });
});
