// A consumer process for the Redis journal specs: a RedisJournal consumer in a group -> EventQueue
// -> a handler that fails at random (seeded) and appends what it handled to a file, one line per
// batch: `CONSUMER n n n`, a redelivered event written `nr`. It prints one marker line at each point
// a spec may kill it: R (consuming), F (a flush starts), B (a try failed: the retry's backoff
// begins), W (a batch was written, not yet acknowledged), H (with HANG_AT: the HANG_AT-th flush
// hangs for good, holding its entries, until the process is killed).
// Each flush also writes `>CONSUMER n n n` to OUT as it starts (before the H hang), so that a spec
// can tell which consumer had which keys in hand at the same time. With PARTITIONS in the
// environment, the journal has that many partitions (else the option is not passed at all).
//
// usage: node redis-consumer.ts PORT STREAM GROUP CONSUMER OUT SEED TAKEOVER_MS [HANG_AT]
import { appendFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import type { Event } from '../../../lib/events/event.ts';
import { isRedelivered } from '../../../lib/journal/journal.ts';
import { RedisJournal } from '../../../lib/journal/redis-journal.ts';
import { EventQueue } from '../../../lib/queue/event-queue.ts';
import { mulberry32 } from '../../support/seeded-random.ts';

const [port, stream, group, consumer, outPath, seedText, takeover, hangAt] = process.argv.slice(2);
let flushes = 0;
const random = mulberry32(Number(seedText));
const mark = (marker: string): void => {
  process.stdout.write(`${marker}\n`);
};

const journal = await RedisJournal.open({
  redis: `redis://127.0.0.1:${port}`,
  stream: stream as string,
  group: group as string,
  consumer: consumer as string,
  takeoverTimeout: Number(takeover),
  readCount: 2,
  ...(process.env['PARTITIONS'] === undefined
    ? {}
    : { partitions: Number(process.env['PARTITIONS']) }),
});
const names = (batch: readonly Event[]): string =>
  batch.map((e) => `${e.actorName}${isRedelivered(e) ? 'r' : ''}`).join(' ');
const queue = new EventQueue({
  journal,
  flushInterval: 2,
  maxRetries: 1_000,
  retry: () => 1 + Math.floor(random() * 20),
  onFlush: async (batch) => {
    mark('F');
    appendFileSync(outPath as string, `>${consumer} ${names(batch)}\n`);
    if (++flushes === Number(hangAt)) {
      mark('H');
      await new Promise(() => {}); // never settles: the entries stay held until the kill
    }
    await delay(1 + random() * 5); // the handler's work
    if (random() < 0.2) {
      mark('B');
      throw new Error('flaky handler');
    }
    appendFileSync(outPath as string, `${consumer} ${names(batch)}\n`);
    mark('W');
  },
  onError: (error) => {
    process.stderr.write(`${error.name}: ${error.message}\n`);
  },
});
mark('R');
process.on('SIGTERM', () => {
  queue.stop();
  void journal.close().then(() => process.exit(0));
});
