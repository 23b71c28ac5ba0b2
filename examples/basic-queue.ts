// A synthetic stream of container and file events into an EventQueue, printing each batch.
// Run: npm run example:basic   (or: npx node examples/basic-queue.ts)
import { interval, map, take } from 'rxjs';
import { Action, createEvent, type Event, EventQueue, formatEvent } from '../lib/index.ts';

const actions = [
  Action.ContainerStart,
  Action.FileWritten,
  Action.ContainerDie,
  Action.FileCreated,
];

// One event every 40 ms, 30 in all: a container or a file, in turn.
const synthetic$ = interval(40).pipe(
  take(30),
  map((n): Event => {
    const action = actions[n % actions.length] as Action;
    const isFile = action === Action.FileWritten || action === Action.FileCreated;
    return createEvent({
      type: isFile ? 'file' : 'docker',
      actorName: isFile ? `conf.d/site-${n % 3}.yml` : `app-${n % 3}`,
      actorId: isFile ? `/etc/proxy/conf.d/site-${n % 3}.yml` : `id-app-${n % 3}`,
      action,
    });
  }),
);

let batchNo = 0;
const queue = new EventQueue({
  flushInterval: 300,
  coalesce: true,
  onFlush: async (batch) => {
    batchNo++;
    console.log(
      `batch ${batchNo} · ${batch.length} event(s) · ${new Date().toISOString().slice(11, 19)}`,
    );
    for (const event of batch) console.log(`  ${formatEvent(event)}`);
  },
  onError: (error) => console.error(`error: ${error.message}`),
});

queue.start(synthetic$);
// 30 events at 40 ms take 1.2 s; then flush what is left and print the counters.
setTimeout(async () => {
  await queue.drain();
  console.log('stats', queue.stats());
}, 1_400);
