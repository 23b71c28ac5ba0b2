import { spawnSync } from 'node:child_process';
import { format } from 'node:util';
import createDebug from 'debug';
import { describe, expect, it } from 'vitest';
import {
  heldGenerationBytes,
  REDUCE_INTERVAL_MS,
  SETTLE_MS,
  watchHeapBudget,
} from '../../../lib/cli/heap-budget.ts';

const MB = 1024 * 1024;

/**
 * A heap whose old and young generations the test sets, the collections it
 * reports by hand, and a clock the test moves (`elapse`: fires what was
 * delayed, if it is due).
 */
function fakeHeap(startBytes: number, startYoung = 1 * MB) {
  let old = startBytes;
  let young = startYoung;
  let onGc: ((major: boolean) => void) | null = null;
  let now = 0;
  let timer: { fire: () => void; at: number } | null = null;
  const collections: number[] = [];
  /** The young generation's size at each reduction. */
  const reductions: number[] = [];
  return {
    collections,
    reductions,
    set: (bytes: number) => {
      old = bytes;
    },
    setYoung: (bytes: number) => {
      young = bytes;
    },
    gc: (major: boolean) => onGc?.(major),
    stopped: () => onGc === null,
    delayed: () => timer !== null,
    elapse: (ms: number) => {
      now += ms;
      const due = timer;
      if (due !== null && due.at <= now) {
        timer = null;
        due.fire();
      }
    },
    options: {
      budgetBytes: 8 * MB,
      heldBytes: () => old,
      youngBytes: () => young,
      collect: () => {
        collections.push(old);
        old = startBytes;
      },
      reduce: () => {
        reductions.push(young);
        young = 1 * MB;
        old = startBytes;
      },
      now: () => now,
      delay: (fire: () => void, ms: number) => {
        const mine = { fire, at: now + ms };
        timer = mine;
        return () => {
          if (timer === mine) timer = null;
        };
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

describe('heldGenerationBytes', () => {
  it('does not throw with every file descriptor taken (it reads /proc): the last value stands', () => {
    const module = new URL('../../../lib/cli/heap-budget.ts', import.meta.url).href;
    const script = `
      import { openSync } from 'node:fs';
      import { heldGenerationBytes } from ${JSON.stringify(module)};
      const kept = Buffer.alloc(32 * 1024 * 1024, 1);
      const first = heldGenerationBytes();
      const taken = [];
      try { for (;;) taken.push(openSync('/dev/null', 'r')); } catch (err) { if (err.code !== 'EMFILE') throw err; }
      const full = heldGenerationBytes();
      process.stdout.write(JSON.stringify({ first, full, taken: taken.length, kept: kept[0] }));`;
    const child = spawnSync(
      'sh',
      [
        '-c',
        'ulimit -n 64 && exec "$0" --disable-warning=ExperimentalWarning --input-type=module -e "$1"',
        process.execPath,
        script,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    const { first, full, taken } = JSON.parse(child.stdout) as {
      first: number;
      full: number;
      taken: number;
    };
    expect(taken).toBeGreaterThan(0);
    // The 32 MB Buffer counted before the descriptors ran out still counts: not 0, not a throw.
    expect(first).toBeGreaterThanOrEqual(32 * MB);
    expect(full).toBeGreaterThanOrEqual(32 * MB);
  });

  it("counts Buffers' memory, which only a full collection frees once promoted", () => {
    const before = heldGenerationBytes();
    const buffer = Buffer.alloc(16 * MB, 1);
    // Not in the heap at all: counted from Node's allocator.
    // (A young collection meanwhile may free other Buffers: a little slack.)
    expect(heldGenerationBytes() - before).toBeGreaterThanOrEqual(15 * MB);
    expect(buffer[0]).toBe(1);
  });
});

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
    // Measured again from what the collection left (20 MB): 27 is within the budget, 29 not.
    heap.set(27 * MB);
    heap.gc(false);
    expect(heap.collections).toEqual([29 * MB]);
    heap.set(29 * MB);
    heap.gc(false);
    expect(heap.collections).toEqual([29 * MB, 29 * MB]);
  });

  it("counts from what V8's own full collections leave", () => {
    const heap = fakeHeap(20 * MB);
    watchHeapBudget(heap.options);
    heap.set(30 * MB);
    heap.gc(true);
    heap.set(37 * MB);
    heap.gc(false);
    expect(heap.collections).toEqual([]);
    heap.set(39 * MB);
    heap.gc(false);
    expect(heap.collections).toEqual([39 * MB]);
  });

  it('allows a share of what is live when that is more than the budget (Buffers of full send queues)', () => {
    const heap = fakeHeap(200 * MB);
    watchHeapBudget(heap.options);
    // A quarter of 200 MB: 50 MB of growth is allowed, not 8.
    heap.set(249 * MB);
    heap.gc(false);
    expect(heap.collections).toEqual([]);
    heap.set(251 * MB);
    heap.gc(false);
    expect(heap.collections).toEqual([251 * MB]);
  });

  it('counts from the least held since: what young collections freed lowers the floor', () => {
    const heap = fakeHeap(20 * MB);
    watchHeapBudget(heap.options);
    heap.set(14 * MB);
    heap.gc(false);
    heap.set(21 * MB);
    heap.gc(false);
    expect(heap.collections).toEqual([]);
    heap.set(23 * MB);
    heap.gc(false);
    expect(heap.collections).toEqual([23 * MB]);
  });

  it('logs each collection it makes with what it freed (DEBUG=batchwatch:heap)', () => {
    const lines: string[] = [];
    const log = createDebug.log;
    const enabled = createDebug.disable();
    createDebug.enable('batchwatch:heap');
    // As debug's own Node log does: its arguments formatted by util.format.
    createDebug.log = (...args: unknown[]) => lines.push(format(...args));
    try {
      const heap = fakeHeap(20 * MB);
      watchHeapBudget(heap.options);
      heap.set(27 * MB);
      heap.gc(false);
      expect(lines).toEqual([]);
      heap.set(29 * MB);
      heap.gc(false);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(
        'budget: held 29.0 MB, 9.0 MB over the least since the last full collection; collected to 20.0 MB',
      );
    } finally {
      createDebug.log = log;
      createDebug.enable(enabled);
    }
  });

  it('does nothing without a way to collect, and stops when told', () => {
    const heap = fakeHeap(20 * MB);
    watchHeapBudget({ ...heap.options, collect: null });
    expect(heap.stopped()).toBe(true);
    expect(heap.delayed()).toBe(false);
    const stop = watchHeapBudget(heap.options);
    expect(heap.stopped()).toBe(false);
    expect(heap.delayed()).toBe(true);
    stop();
    expect(heap.stopped()).toBe(true);
    expect(heap.delayed()).toBe(false);
  });

  it('gives the young generation back once the heap is quiet after it grew, once per growth', () => {
    // As started: a young generation of 5 MB, nothing reduced yet.
    const heap = fakeHeap(20 * MB, 5 * MB);
    watchHeapBudget(heap.options);
    heap.elapse(SETTLE_MS - 1);
    expect(heap.reductions).toEqual([]);
    heap.elapse(1);
    expect(heap.reductions).toEqual([5 * MB]);
    // Grown a little since (now 1 MB): at rest, nothing more.
    heap.setYoung(4 * MB);
    heap.gc(false);
    heap.elapse(REDUCE_INTERVAL_MS);
    expect(heap.reductions).toEqual([5 * MB]);
    // 1,000 clients connecting: it grows to 16 MB; no reduction while collections keep coming.
    heap.setYoung(16 * MB);
    for (let i = 0; i < 10; i++) {
      heap.gc(false);
      heap.elapse(SETTLE_MS / 2);
    }
    expect(heap.reductions).toEqual([5 * MB]);
    heap.elapse(SETTLE_MS / 2);
    expect(heap.reductions).toEqual([5 * MB, 16 * MB]);
    // Its own collections' entries come after it: quiet again, nothing grew, nothing more.
    heap.gc(true);
    heap.elapse(SETTLE_MS);
    expect(heap.reductions).toEqual([5 * MB, 16 * MB]);
    expect(heap.collections).toEqual([]);
  });

  it('measures growth from what the last reduction left, and reduces once a minute at most', () => {
    const heap = fakeHeap(20 * MB, 5 * MB);
    watchHeapBudget(heap.options);
    heap.elapse(SETTLE_MS);
    expect(heap.reductions).toEqual([5 * MB]);
    // From 1 MB (what it left) to 5: grown by 4 MB, though no larger than before. The first
    // reduction (what starting grew) does not make this one wait.
    heap.setYoung(5 * MB);
    heap.gc(false);
    heap.elapse(SETTLE_MS);
    expect(heap.reductions).toEqual([5 * MB, 5 * MB]);
    // Another burst right after: quiet again, it waits for the minute since the last to pass.
    heap.setYoung(9 * MB);
    heap.gc(false);
    heap.elapse(SETTLE_MS);
    expect(heap.reductions).toEqual([5 * MB, 5 * MB]);
    heap.elapse(REDUCE_INTERVAL_MS - SETTLE_MS - 1);
    expect(heap.reductions).toEqual([5 * MB, 5 * MB]);
    heap.elapse(1);
    expect(heap.reductions).toEqual([5 * MB, 5 * MB, 9 * MB]);
  });

  it('counts the budget from what a reduction left', () => {
    const heap = fakeHeap(20 * MB, 5 * MB);
    watchHeapBudget(heap.options);
    // V8's own full collection left 40 MB; the reduction then leaves 20.
    heap.set(40 * MB);
    heap.gc(true);
    heap.elapse(SETTLE_MS);
    expect(heap.reductions).toEqual([5 * MB]);
    heap.set(29 * MB);
    heap.gc(false);
    expect(heap.collections).toEqual([29 * MB]);
  });

  it('leaves no timer once stopped, even one a collection just set', () => {
    const heap = fakeHeap(20 * MB);
    const stop = watchHeapBudget(heap.options);
    heap.gc(false);
    expect(heap.delayed()).toBe(true);
    stop();
    expect(heap.delayed()).toBe(false);
  });

  it('does not reduce without a way to, and still keeps the budget', () => {
    const heap = fakeHeap(20 * MB, 16 * MB);
    watchHeapBudget({ ...heap.options, reduce: null });
    expect(heap.delayed()).toBe(false);
    heap.set(29 * MB);
    heap.gc(false);
    expect(heap.delayed()).toBe(false);
    expect(heap.collections).toEqual([29 * MB]);
    expect(heap.reductions).toEqual([]);
  });
});
