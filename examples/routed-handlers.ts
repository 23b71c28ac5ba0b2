// One EventQueue, several handlers: route() splits each batch by action group, runs the parts side
// by side, retries a flaky handler, times out a hung one, and reports what still fails as dead
// letters, without ever failing the queue's flush.
//
//   npx node examples/routed-handlers.ts
import { setTimeout as sleep } from 'node:timers/promises';
import { route } from '../lib/delivery/route.ts';
import { byActionGroup } from '../lib/delivery/route-key.ts';
import { DeadLetterError } from '../lib/delivery/router-errors.ts';
import { type Event, EventQueue, formatEvent } from '../lib/index.ts';
import { dockerEvent, fileEvent, forceReload } from '../lib/testing/index.ts';

const started = Date.now();
const log = (text: string): void =>
  console.log(`${String(Date.now() - started).padStart(5)} ms  ${text}`);
const list = (events: readonly Event[]): string => events.map(formatEvent).join(', ');

let stopTries = 0;
const router = route({
  key: byActionGroup,
  handlers: {
    'container-start': async (events) => {
      await sleep(20);
      log(`routes added: ${list(events)}`);
    },
    // Its very first call fails, as a proxy API that is still starting would.
    'container-stop': {
      handle: (events, { attempt }) => {
        stopTries++;
        if (stopTries === 1) throw new Error('proxy API not ready');
        log(`routes removed (try ${attempt}): ${list(events)}`);
      },
      retry: () => 50,
      maxRetries: 2,
    },
    // Always rejects: a dead letter after its two tries.
    file: {
      handle: async (events) => {
        throw new Error(`invalid config in ${events.map((e) => e.actorName).join(', ')}`);
      },
      retry: () => 30,
      maxRetries: 1,
    },
    // Hangs unless aborted: the 100 ms timeout aborts its signal.
    reload: {
      handle: (_events, { signal }) => sleep(10_000, undefined, { signal }),
      timeout: 100,
    },
  },
  onError: (error) => {
    if (error instanceof DeadLetterError) {
      const tries = error.attempts === 1 ? '1 try' : `${error.attempts} tries`;
      log(`DEAD LETTER ${error.handler} after ${tries}: ${list(error.events)}`);
      log(`  cause: ${error.cause instanceof Error ? error.cause.message : String(error.cause)}`);
    } else {
      log(`${error.name}: ${error.message}`);
    }
  },
});

const queue = new EventQueue({
  flushInterval: 50,
  onFlush: router,
  onError: (error) => log(`queue error (never happens with a router): ${error.message}`),
});

log('pushing one burst of events');
queue.push(dockerEvent.start('web'));
queue.push(dockerEvent.stop('worker'));
queue.push(fileEvent.written('conf.d/site.yml'));
queue.push(dockerEvent.create('db'));
queue.push(dockerEvent.pause('batch')); // no handler and no fallback: counted as unrouted
queue.push(forceReload('docker'));
await queue.sync();
log('batch done: every part handled or dead-lettered');

queue.push(dockerEvent.stop('web'));
await queue.drain();
log(`container-stop tries: ${stopTries}`);
console.log('router', router.stats());
console.log('queue', queue.stats());
