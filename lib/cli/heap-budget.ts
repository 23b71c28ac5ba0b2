import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import createDebug from 'debug';

const log = createDebug('batchwatch:heap');
const MB = 1024 * 1024;

/**
 * How much garbage `batchwatch proxy` lets its old generation and its
 * Buffers gather before it collects them, in MB. In a burst, what the Redis
 * client hands over (every reply's arrays, and the Buffers of the socket
 * reads they are sliced from) outlives a young-generation collection or two
 * and is promoted, and a promoted slice keeps its whole read (up to 64 KB,
 * outside the heap) until a full collection; V8 then lets the old
 * generation grow to several times what is live before one, and counts
 * Buffers only past 64 MB. Measured with bench/jfs/proxy-footprint.ts: see
 * CHANGELOG (issue 26).
 */
export const HEAP_BUDGET_MB = 4;

/**
 * The garbage allowed grows with the floor it is counted from (the least
 * held since the last full collection), by this share of it: Buffers a
 * thousand clients' send queues hold (up to `maxQueuedBytes` each) are live,
 * and a budget of a few MB would collect in full for every few MB they grow,
 * freeing nothing.
 */
export const LIVE_SHARE = 0.25;

/**
 * How long the heap must see no collection, once its young generation grew
 * by {@link SETTLE_GROWTH_MB} or more, before the proxy makes it small
 * again, in ms. V8 grows the young generation under a high allocation rate
 * (1,000 clients connecting, a burst: up to twice `--max-semi-space-size`)
 * and keeps it at that size, resident, for as long as the process lives
 * (measured: 30 s at rest, a full collection, nothing gave it back); a
 * collection "of last resort" (what V8 does under memory pressure) shrinks
 * it. With 1,000 idle clients: 16 MB of young generation, 4 MB in use;
 * after it, 1 MB and 14 MB less RSS, for one or two full collections in a
 * row (60-100 ms) that also drop the bytecode of functions not run lately
 * (compiled again when next run).
 */
export const SETTLE_MS = 5000;
/** How much the young generation must grow past what the last reduction left for another, in MB. */
export const SETTLE_GROWTH_MB = 4;
/**
 * The least time between two reductions (the first one after a start
 * excepted), in ms: bursts a few seconds apart (each one growing the young
 * generation again) pay one a minute at most.
 */
export const REDUCE_INTERVAL_MS = 60_000;

/** What {@link watchHeapBudget} uses; each defaults to Node's own. */
export interface HeapBudgetOptions {
  /**
   * Bytes of garbage allowed above the least held since the last full
   * collection ({@link LIVE_SHARE} of that, when more).
   */
  readonly budgetBytes?: number;
  /** A full, synchronous collection (`globalThis.gc` under `--expose-gc`); null: none. */
  readonly collect?: (() => void) | null;
  /**
   * A collection that gives memory back (V8's last resort: the young
   * generation shrinks too), which must not throw; null: none. Default:
   * `globalThis.gc` with `flavor: 'last-resort'` under `--expose-gc`.
   */
  readonly reduce?: (() => void) | null;
  /**
   * Bytes that only a full collection frees: the old generation in use
   * (every space but the young ones) and the memory of ArrayBuffers (Buffers).
   */
  readonly heldBytes?: () => number;
  /** The young generation's size in bytes (what it holds, in use or not). */
  readonly youngBytes?: () => number;
  /**
   * Calls `onGc(major)` after each garbage collection; returns the function
   * that stops. Default: a `PerformanceObserver` of 'gc' entries.
   */
  readonly observeGc?: (onGc: (major: boolean) => void) => () => void;
  /** Calls `fire` once after `ms` (not keeping the process alive); returns the function that cancels. */
  readonly delay?: (fire: () => void, ms: number) => () => void;
  /** The time in ms (`performance.now`). */
  readonly now?: () => number;
}

/** What {@link bufferBytes} read last. */
let lastBufferBytes = 0;

/**
 * The memory of ArrayBuffers: `process.memoryUsage()` reads `/proc` for its
 * RSS and throws when no file descriptor is free (a proxy at its limit of
 * clients); then the last value read stands.
 */
function bufferBytes(): number {
  try {
    lastBufferBytes = process.memoryUsage().arrayBuffers;
  } catch {
    // EMFILE: the last value read.
  }
  return lastBufferBytes;
}

/**
 * The old generation's bytes in use (what young collections promote, and
 * garbage until a full one) and the memory of ArrayBuffers (a promoted
 * Buffer keeps its memory until a full one).
 */
export function heldGenerationBytes(): number {
  let used = bufferBytes();
  for (const space of getHeapSpaceStatistics()) {
    if (!space.space_name.startsWith('new_')) used += space.space_used_size;
  }
  return used;
}

/** The young generation's size (its spaces', in use or not). */
function youngGenerationBytes(): number {
  let size = 0;
  for (const space of getHeapSpaceStatistics()) {
    if (space.space_name.startsWith('new_')) size += space.space_size;
  }
  return size;
}

function observeGcEntries(onGc: (major: boolean) => void): () => void {
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
      onGc(kind === constants.NODE_PERFORMANCE_GC_MAJOR);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => observer.disconnect();
}

function unrefDelay(fire: () => void, ms: number): () => void {
  const timer = setTimeout(fire, ms).unref();
  return () => clearTimeout(timer);
}

/** `globalThis.gc` with `options` when Node was started with `--expose-gc`, else null. */
function exposedGc(options: object): (() => void) | null {
  const gc = (globalThis as { gc?: (options?: object) => void }).gc;
  return typeof gc === 'function' ? () => gc(options) : null;
}

/**
 * Bounds the memory a long-lived server keeps. In a burst: after each
 * young-generation collection (they run only while the process allocates:
 * never at rest), if the old generation and Buffers grew more than
 * `budgetBytes` (or {@link LIVE_SHARE} of what is live, when more) past the
 * least they held since the last full collection, collects now instead of
 * when V8 would. At rest: once no collection came for {@link SETTLE_MS} (since the
 * start, or the last one) and the young generation is
 * {@link SETTLE_GROWTH_MB} larger than the last reduction left it (than
 * nothing, at first), reduces the heap (see `SETTLE_MS`), once, and not
 * within {@link REDUCE_INTERVAL_MS} of the last reduction but the first
 * (then when that has passed, if the heap is still quiet). Does nothing
 * without a way to collect (Node started without `--expose-gc`).
 *
 * @returns the function that stops watching.
 */
export function watchHeapBudget({
  budgetBytes = HEAP_BUDGET_MB * MB,
  collect = exposedGc({ type: 'major', execution: 'sync' }),
  reduce = exposedGc({ type: 'major', execution: 'sync', flavor: 'last-resort' }),
  heldBytes = heldGenerationBytes,
  youngBytes = youngGenerationBytes,
  observeGc = observeGcEntries,
  delay = unrefDelay,
  now = () => performance.now(),
}: HeapBudgetOptions = {}): () => void {
  if (collect === null) return () => {};
  let floor = heldBytes();
  /** The young generation's size when it was last reduced (none yet: what starting grew counts). */
  let settled = 0;
  let reducedAt = Number.NEGATIVE_INFINITY;
  let cancel: (() => void) | null = null;
  const settle = (): void => {
    cancel = null;
    const young = youngBytes();
    if (young - settled < SETTLE_GROWTH_MB * MB) return;
    const wait = reducedAt + REDUCE_INTERVAL_MS - now();
    if (wait > 0) {
      cancel = delay(settle, wait);
      return;
    }
    reduce?.();
    // The first gives back what starting grew: the next one need not wait a minute for it.
    if (settled > 0) reducedAt = now();
    settled = youngBytes();
    floor = heldBytes();
    log(
      'at rest: young generation %s MB -> %s MB',
      (young / MB).toFixed(1),
      (settled / MB).toFixed(1),
    );
  };
  const rearm = (): void => {
    cancel?.();
    cancel = reduce === null ? null : delay(settle, SETTLE_MS);
  };
  rearm();
  // Entries come after the collection they tell of, never during `collect()`: no reentry.
  const stopObserving = observeGc((major) => {
    rearm();
    if (!major) {
      const held = heldBytes();
      // What scavenges freed lowers the floor; what stays live raises the allowance with it.
      floor = Math.min(floor, held);
      if (held - floor <= Math.max(budgetBytes, floor * LIVE_SHARE)) return;
      collect();
      const after = heldBytes();
      // What it freed: a collection that frees little, again and again, shows here.
      log(
        'budget: held %s MB, %s MB over the least since the last full collection; collected to %s MB',
        (held / MB).toFixed(1),
        ((held - floor) / MB).toFixed(1),
        (after / MB).toFixed(1),
      );
      floor = after;
      return;
    }
    floor = heldBytes();
  });
  return () => {
    cancel?.();
    stopObserving();
  };
}
