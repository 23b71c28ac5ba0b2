// The body of the watch thread (see watch-thread.ts): opens and closes fs.watch handles when the
// main thread asks, and passes their events on, batched per turn of this thread's event loop,
// which no user code ever blocks. Its one inotify queue is read here, so a full queue is detected
// here too (every fs.watch of this thread is ours: the count is exact).
import { type FSWatcher, watch } from 'node:fs';
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { countWatchEvent, onInotifyOverflow } from './inotify-overflow.ts';

/** What the main thread sends. */
type Request =
  | { readonly op: 'watch'; readonly id: number; readonly path: string }
  | { readonly op: 'close'; readonly id: number };

const port = parentPort as MessagePort;
/** [0]: 0 while a watch request is pending, 1 done, 2 failed; [1]: the failure's errno. */
const reply = new Int32Array(workerData as SharedArrayBuffer);
const watchers = new Map<number, FSWatcher>();
let batch: (number | string | null)[] = [];
let flush: NodeJS.Immediate | null = null;

function send(id: number, type: string, name: string | null): void {
  batch.push(id, type, name);
  flush ??= setImmediate(() => {
    flush = null;
    const events = batch;
    batch = [];
    port.postMessage({ events });
  });
}

onInotifyOverflow((events, limit) => {
  // After the events of the read that found the queue full: they go first.
  if (flush !== null) {
    clearImmediate(flush);
    flush = null;
    port.postMessage({ events: batch });
    batch = [];
  }
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
