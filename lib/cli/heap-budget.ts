import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';

/**
 * How much garbage `batchwatch proxy` lets its old generation gather
 * before it collects it, in MB. In a burst, what the Redis client hands over
 * (every reply's arrays and Buffers) outlives a young-generation collection
 * or two and is promoted; V8 then lets the old generation grow to several
 * times what is live before a full collection (a 100,000-event burst took
 * the proxy's RSS ~80 MB over bare Node, with ~13 MB live). Measured with
 * bench/jfs/proxy-footprint.ts: see CHANGELOG (issue 26).
 */
export const HEAP_BUDGET_MB = 8;

/** What {@link watchHeapBudget} uses; each defaults to Node's own. */
export interface HeapBudgetOptions {
  /** Bytes of garbage allowed above what the last full collection left. */
  readonly budgetBytes?: number;
  /** A full, synchronous collection (`globalThis.gc` under `--expose-gc`); null: none. */
  readonly collect?: (() => void) | null;
  /** Bytes used in the old generation (every space but the young ones). */
  readonly oldBytes?: () => number;
  /**
   * Calls `onGc(major)` after each garbage collection; returns the function
   * that stops. Default: a `PerformanceObserver` of 'gc' entries.
   */
  readonly observeGc?: (onGc: (major: boolean) => void) => () => void;
}

/** The old generation's bytes in use (what young collections promote, and garbage until a full one). */
function oldGenerationBytes(): number {
  let used = 0;
  for (const space of getHeapSpaceStatistics()) {
    if (!space.space_name.startsWith('new_')) used += space.space_used_size;
  }
  return used;
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

/** `globalThis.gc` when Node was started with `--expose-gc`, else null. */
function exposedGc(): (() => void) | null {
  const gc = (globalThis as { gc?: (options?: object) => void }).gc;
  return typeof gc === 'function' ? () => gc({ type: 'major', execution: 'sync' }) : null;
}

/**
 * Bounds the garbage a long-lived server keeps: after each young-generation
 * collection (they run only while the process allocates: never at rest), if
 * the old generation grew more than `budgetBytes` past what the last full
 * collection left, collects now instead of when V8 would. Does nothing
 * without a way to collect (Node started without `--expose-gc`).
 *
 * @returns the function that stops watching.
 */
export function watchHeapBudget({
  budgetBytes = HEAP_BUDGET_MB * 1024 * 1024,
  collect = exposedGc(),
  oldBytes = oldGenerationBytes,
  observeGc = observeGcEntries,
}: HeapBudgetOptions = {}): () => void {
  if (collect === null) return () => {};
  let floor = oldBytes();
  // Entries come after the collection they tell of, never during `collect()`: no reentry.
  return observeGc((major) => {
    if (!major && oldBytes() - floor <= budgetBytes) return;
    if (!major) collect();
    floor = oldBytes();
  });
}
