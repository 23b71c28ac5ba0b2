// The body of the watch thread (see watch-thread.ts): opens and closes fs.watch handles when the
// main thread asks, and passes their events on, batched: at the end of this thread's turn when
// nothing was passed on for POST_INTERVAL_MS, else POST_INTERVAL_MS after the last message (see
// there). No user code ever blocks this thread's event loop, only its own rest. Its one inotify
// queue is read here, so a full queue is detected here too (every fs.watch of this thread is
// ours: the count is exact).
import { type FSWatcher, watch } from 'node:fs';
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { countWatchEvent, onInotifyOverflow } from './inotify-overflow.ts';

/** What the main thread sends. */
type Request =
  | { readonly op: 'watch'; readonly id: number; readonly path: string }
  | { readonly op: 'close'; readonly id: number };

const port = parentPort as MessagePort;
/**
 * [0]: 0 while a watch request is pending, 1 done, 2 failed; [1]: the failure's errno; [2]: set
 * by the main thread as it sends a request, to end this thread's rest.
 */
const reply = new Int32Array(workerData as SharedArrayBuffer);
const watchers = new Map<number, FSWatcher>();
/**
 * The least time between two messages of events, in ms. Each message wakes the main thread,
 * which then does a round of work per message (its holds, a Redis write in the daemon), and at
 * rest a wake-up costs far more than an event: changes that come within this time of the last
 * message wait for the rest of it and go together. A change after a quiet spell goes at once.
 * After each message this thread rests (blocks) for that time, so that the changes that come
 * meanwhile wait in the kernel's queue and cost this thread one wake-up for all of them, not
 * one each; a watch request ends the rest at once. The kernel queues 16,384 events by default:
 * it would take about 330,000 events a second to fill it in one rest (and a full queue is
 * detected and read again, see inotify-overflow.ts).
 */
const POST_INTERVAL_MS = 50;

let batch: (number | string | null)[] = [];
/** The message due: at the end of this turn, or later (see POST_INTERVAL_MS). */
let soon: NodeJS.Immediate | null = null;
let later: NodeJS.Timeout | null = null;
let lastPost = Number.NEGATIVE_INFINITY;

function post(): void {
  if (soon !== null) clearImmediate(soon);
  if (later !== null) clearTimeout(later);
  soon = null;
  later = null;
  lastPost = performance.now();
  const events = batch;
  batch = [];
  port.postMessage({ events });
}

/** Posts the batch, then rests until POST_INTERVAL_MS is over or a request comes. */
function postAndRest(): void {
  post();
  Atomics.wait(reply, 2, 0, POST_INTERVAL_MS);
  Atomics.store(reply, 2, 0);
}

function send(id: number, type: string, name: string | null): void {
  batch.push(id, type, name);
  if (soon !== null || later !== null) return;
  const wait = lastPost + POST_INTERVAL_MS - performance.now();
  if (wait > 0) later = setTimeout(postAndRest, wait);
  else soon = setImmediate(postAndRest);
}

onInotifyOverflow((events, limit) => {
  // After the events of the read that found the queue full: they go first.
  if (soon !== null || later !== null) post();
  port.postMessage({ overflow: [events, limit] });
});

port.on('message', (request: Request) => {
  if (request.op === 'close') {
    watchers.get(request.id)?.close();
    watchers.delete(request.id);
    return;
  }
  const { id, path } = request;
  try {
    const watcher = watch(path, { persistent: true }, (type, name) => {
      countWatchEvent();
      send(id, type, typeof name === 'string' ? name : null);
    });
    watcher.on('error', (error: NodeJS.ErrnoException) => {
      watchers.delete(id);
      port.postMessage({ error: [id, error.code ?? '', error.message] });
    });
    watchers.set(id, watcher);
    Atomics.store(reply, 1, 0);
    Atomics.store(reply, 0, 1);
  } catch (err) {
    Atomics.store(reply, 1, -((err as NodeJS.ErrnoException).errno ?? 0));
    Atomics.store(reply, 0, 2);
  }
  Atomics.notify(reply, 0);
});
