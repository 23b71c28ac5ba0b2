import { describe, expect, it } from 'vitest';
import { watchHeapBudget } from '../../../lib/cli/heap-budget.ts';

const MB = 1024 * 1024;

/** A heap whose old generation the test sets, and the collections it reports by hand. */
function fakeHeap(startBytes: number) {
  let old = startBytes;
  let onGc: ((major: boolean) => void) | null = null;
  const collections: number[] = [];
  return {
    collections,
    set: (bytes: number) => {
      old = bytes;
    },
    gc: (major: boolean) => onGc?.(major),
    stopped: () => onGc === null,
    options: {
      budgetBytes: 8 * MB,
      oldBytes: () => old,
      collect: () => {
        collections.push(old);
        old = startBytes;
      },
      observeGc: (listener: (major: boolean) => void) => {
        onGc = listener;
        return () => {
          onGc = null;
        };
      },
    },
  };
}

describe('watchHeapBudget', () => {
  it('collects after a young collection leaves the old generation past the budget, not before', () => {
    const heap = fakeHeap(20 * MB);
    watchHeapBudget(heap.options);
    heap.set(27 * MB);
    heap.gc(false);
    expect(heap.collections).toEqual([]);
    heap.set(29 * MB);
    heap.gc(false);
    expect(heap.collections).toEqual([29 * MB]);
    // Measured again from what the collection left.
    heap.set(27 * MB);
    heap.gc(false);
    expect(heap.collections).toEqual([29 * MB]);
  });

  it("counts from what V8's own full collections leave", () => {
    const heap = fakeHeap(20 * MB);
    watchHeapBudget(heap.options);
    heap.set(40 * MB);
    heap.gc(true);
    heap.set(47 * MB);
    heap.gc(false);
    expect(heap.collections).toEqual([]);
    heap.set(49 * MB);
    heap.gc(false);
    expect(heap.collections).toEqual([49 * MB]);
  });

  it('does nothing without a way to collect, and stops when told', () => {
    const heap = fakeHeap(20 * MB);
    watchHeapBudget({ ...heap.options, collect: null });
    expect(heap.stopped()).toBe(true);
    const stop = watchHeapBudget(heap.options);
    expect(heap.stopped()).toBe(false);
    stop();
    expect(heap.stopped()).toBe(true);
  });
});
