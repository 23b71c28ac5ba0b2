import { constants } from 'node:os';
import { Worker } from 'node:worker_threads';
import createDebug from 'debug';
import { reportInotifyOverflow } from './inotify-overflow.ts';

const log = createDebug('batchwatch:local-watcher');

/** How long a watch request may wait for the thread before watching on the calling thread. */
const REPLY_TIMEOUT_MS = 5000;

/** A native watch on a directory, wherever it is read: closing it is all a tree needs. */
export interface WatchHandle {
  close(): void;
}

interface Remote {
  readonly listener: (type: string, name: string | null) => void;
  readonly onError: (error: Error) => void;
}

/**
 * One thread per process that reads the native watch events (its own
 * inotify instance and event loop), so that a main thread blocked by user
 * code (a long synchronous onFlush, a GC pause) does not stall the reading:
 * the kernel's queue then overflows far less often, and the events wait in
 * memory for the main thread instead of being dropped. A watch is opened
 * synchronously (the caller waits a few microseconds for the thread's
 * answer), so "watched before read" holds as with `fs.watch`. The thread
 * keeps the process alive only while a watch is open.
 */
class WatchThread {
  readonly #worker: Worker;
  readonly #reply = new Int32Array(new SharedArrayBuffer(12));
  readonly #remotes = new Map<number, Remote>();
  #nextId = 1;
  #broken = false;

  constructor() {
    const source = import.meta.url.endsWith('.ts')
      ? './watch-thread-worker.ts'
      : './watch-thread-worker.js';
    this.#worker = new Worker(new URL(source, import.meta.url), {
      workerData: this.#reply.buffer,
      // The process's flags minus those that only make sense for its own entry (`node
      // --input-type=module -e ...` would make the thread fail to load).
      execArgv: process.execArgv.filter((flag) => !/^--(input-type|eval|print|test)\b/.test(flag)),
    });
    this.#worker.on('message', (message: ThreadMessage) => this.#receive(message));
    this.#worker.on('error', (err) => {
      log('watch thread failed: %O', err);
      this.#fail(err);
    });
    this.#worker.on('exit', (code) => {
      this.#fail(new Error(`the watch thread exited (code ${code})`));
    });
    // After the listeners (adding one refs the thread again): alive only while a watch is open.
    this.#worker.unref();
  }

  /** Whether watches can still be opened here. */
  get usable(): boolean {
    return !this.#broken;
  }

  /**
   * Opens a watch on `path` in the thread; `null` when the thread did not
   * answer (the caller watches on its own thread instead).
   * @throws the error `fs.watch` threw there, with its `code` (ENOENT, ENOSPC...).
   */
  watch(
    path: string,
    listener: (type: string, name: string | null) => void,
    onError: (error: Error) => void,
  ): WatchHandle | null {
    const id = this.#nextId++;
    Atomics.store(this.#reply, 0, 0);
    this.#worker.postMessage({ op: 'watch', id, path });
    // The thread may be resting after a message of events (see watch-thread-worker.ts): wake it.
    Atomics.store(this.#reply, 2, 1);
    Atomics.notify(this.#reply, 2);
    if (Atomics.wait(this.#reply, 0, 0, REPLY_TIMEOUT_MS) === 'timed-out') {
      log('watch thread did not answer in %d ms: watching %s here', REPLY_TIMEOUT_MS, path);
      this.#broken = true;
      this.#worker.postMessage({ op: 'close', id });
      return null;
    }
    if (Atomics.load(this.#reply, 0) === 2) throw errnoError(Atomics.load(this.#reply, 1), path);
    this.#remotes.set(id, { listener, onError });
    if (this.#remotes.size === 1) this.#worker.ref();
    return {
      close: () => {
        if (!this.#remotes.delete(id)) return;
        this.#worker.postMessage({ op: 'close', id });
        if (this.#remotes.size === 0) this.#worker.unref();
      },
    };
  }

  /** Stops the thread (its watches fail over to polling); a later `watchThread()` starts none. */
  async terminate(): Promise<void> {
    await this.#worker.terminate();
  }

  /** The thread is gone: every watch it held fails (its owner polls instead, and warns). */
  #fail(error: Error): void {
    this.#broken = true;
    const remotes = [...this.#remotes.values()];
    this.#remotes.clear();
    for (const remote of remotes) remote.onError(error);
  }

  #receive(message: ThreadMessage): void {
    if ('events' in message) {
      const events = message.events;
      for (let i = 0; i < events.length; i += 3) {
        this.#remotes
          .get(events[i] as number)
          ?.listener(events[i + 1] as string, events[i + 2] as string | null);
      }
    } else if ('overflow' in message) {
      reportInotifyOverflow(...message.overflow);
    } else {
      const [id, code, text] = message.error;
      const remote = this.#remotes.get(id);
      if (remote === undefined) return;
      this.#remotes.delete(id);
      if (this.#remotes.size === 0) this.#worker.unref();
      remote.onError(Object.assign(new Error(text), { code }));
    }
  }
}

type ThreadMessage =
  | { readonly events: readonly (number | string | null)[] }
  | { readonly overflow: readonly [number, number] }
  | { readonly error: readonly [number, string, string] };

/** An Error like the one `fs.watch` throws for an errno (`code`, `errno`, `syscall`, `path`). */
function errnoError(errno: number, path: string): Error {
  const code =
    Object.entries(constants.errno).find(([, value]) => value === errno)?.[0] ?? 'EUNKNOWN';
  return Object.assign(new Error(`${code}: watch ${path}`), {
    code,
    errno: -errno,
    syscall: 'watch',
    path,
  });
}

let thread: WatchThread | null | undefined;

/**
 * The process's watch thread, started on first use; `null` where it is not
 * used: off Linux, with `BATCHWATCH_WATCH_THREAD=0`, or when it failed.
 */
export function watchThread(): WatchThread | null {
  if (thread === undefined) {
    const off = process.env['BATCHWATCH_WATCH_THREAD'];
    if (process.platform !== 'linux' || off === '0' || off === 'false') thread = null;
    else {
      try {
        thread = new WatchThread();
      } catch (err) {
        log('no watch thread: %O', err);
        thread = null;
      }
    }
  }
  return thread?.usable === true ? thread : null;
}
