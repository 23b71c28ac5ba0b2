import { readFileSync } from 'node:fs';
import createDebug from 'debug';

const log = createDebug('batchwatch:local-watcher');

/** The kernel's default `fs.inotify.max_queued_events`, used when /proc cannot be read. */
export const DEFAULT_MAX_QUEUED_EVENTS = 16_384;

let limit: number | null = null;

/**
 * `fs.inotify.max_queued_events`: how many events one inotify instance
 * queues before the kernel drops the rest (read once from /proc; the
 * kernel's default of 16,384 elsewhere).
 */
export function inotifyQueueLimit(): number {
  if (limit === null) {
    try {
      const read = Number.parseInt(
        readFileSync('/proc/sys/fs/inotify/max_queued_events', 'utf8'),
        10,
      );
      limit = Number.isSafeInteger(read) && read > 0 ? read : DEFAULT_MAX_QUEUED_EVENTS;
    } catch {
      limit = DEFAULT_MAX_QUEUED_EVENTS;
    }
  }
  return limit;
}

/**
 * How many events read at once mean the queue was (or may have been) full.
 * When the queue overflows it holds `max_queued_events` events, all read in
 * one go; events of watches closed meanwhile are read but never delivered,
 * hence a small margin (a false alarm costs one rescan).
 */
export function overflowThreshold(queueLimit = inotifyQueueLimit()): number {
  return queueLimit - Math.floor(queueLimit / 64);
}

let burst = 0;
let pending: NodeJS.Immediate | null = null;
const listeners = new Set<(events: number, limit: number) => void>();

/**
 * Counts one native watch event. libuv reads a thread's one inotify queue
 * until it is empty and delivers every event before the event loop moves
 * on (microtasks run in between, immediates do not): the events counted
 * until the next immediate are one read. Node hides the kernel's
 * `IN_Q_OVERFLOW`, but an overflow leaves `max_queued_events` events in the
 * queue: a read of that many says the kernel may have dropped some.
 */
export function countWatchEvent(): void {
  if (++burst === 1) pending = setImmediate(endOfRead);
}

function endOfRead(): void {
  pending = null;
  const events = burst;
  burst = 0;
  if (events >= overflowThreshold()) reportInotifyOverflow(events, inotifyQueueLimit());
}

/**
 * Tells every listener that a read may have found the queue full (called
 * here, or with what the watch thread found in its own queue).
 */
export function reportInotifyOverflow(events: number, queueLimit: number): void {
  log(
    'read %d inotify events at once (limit %d): the queue may have overflowed',
    events,
    queueLimit,
  );
  for (const listener of [...listeners]) listener(events, queueLimit);
}

/**
 * Calls `listener` after each read that may have found the kernel's queue
 * full (with the number of events read and the limit): every watch of this
 * thread may have lost events, so what they watch must be read again.
 * Returns the function that stops listening.
 */
export function onInotifyOverflow(listener: (events: number, limit: number) => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && pending !== null && burst === 0) {
      clearImmediate(pending);
      pending = null;
    }
  };
}
