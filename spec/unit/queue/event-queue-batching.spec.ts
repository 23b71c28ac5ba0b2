// Batch windows, one flush at a time, arrival order, coalescing and maxBatch (virtual time).
import { tap, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Event } from '../../../lib/index.ts';
import { fileEvent } from '../../../lib/testing/index.ts';
import { marbles } from '../../support/marbles.ts';
import { a, b, c, d, e, values } from './marble-events.ts';

describe('EventQueue batching', () => {
  it('hands each batch to onFlush and flushes$, and opens windows only on events', () => {
    const seen: (readonly Event[])[] = [];
    marbles(({ at, cold, expectObservable, expectSubscriptions, queue, timers }) => {
      const q = queue({ flushInterval: 3, onFlush: (batch) => void seen.push(batch) });
      const source = cold('a-b---c', values);
      q.start(source);
      expectSubscriptions(source.subscriptions).toBe('^');
      expectObservable(q.flushes$).toBe('---x-----y', { x: [a, b], y: [c] });
      at(5, () => expect(timers.active).toBe(0));
    });
    expect(seen).toEqual([[a, b], [c]]);
  });

  it('runs one flush at a time; events arriving meanwhile wait and go as soon as it ends if due', () => {
    const calls: { at: number; batch: readonly Event[] }[] = [];
    let running = 0;
    let maxRunning = 0;
    marbles(({ cold, expectObservable, expectSubscriptions, queue, testScheduler }) => {
      const q = queue({
        flushInterval: 3,
        onFlush: (batch) => {
          calls.push({ at: testScheduler.now(), batch });
          maxRunning = Math.max(maxRunning, ++running);
          return timer(5).pipe(tap({ complete: () => running-- }));
        },
      });
      const source = cold('a---b----c', values);
      q.start(source);
      expectSubscriptions(source.subscriptions).toBe('^');
      expectObservable(q.flushes$).toBe('--------x----y----z', { x: [a], y: [b], z: [c] });
    });
    expect(calls).toEqual([
      { at: 3, batch: [a] },
      { at: 8, batch: [b] },
      { at: 13, batch: [c] },
    ]);
    expect(maxRunning).toBe(1);
  });

  it('keeps the window of events that arrive during a flush when it is not yet due', () => {
    const calls: number[] = [];
    marbles(({ cold, expectSubscriptions, queue, testScheduler }) => {
      const q = queue({
        flushInterval: 3,
        onFlush: () => {
          calls.push(testScheduler.now());
          return timer(2);
        },
      });
      const source = cold('a---b', values);
      q.start(source);
      expectSubscriptions(source.subscriptions).toBe('^');
    });
    expect(calls).toEqual([3, 7]);
  });

  it('keeps arrival order within and across batches, across sources', () => {
    marbles(({ expectObservable, expectSubscriptions, hot, queue }) => {
      const q = queue({ flushInterval: 4 });
      const first = hot('-a--c--e', values);
      const second = hot('--b---d', values);
      q.start(first, second);
      expectObservable(q.flushes$).toBe('-----x----y', { x: [a, b, c], y: [d, e] });
      expectSubscriptions(first.subscriptions).toBe('^');
      expectSubscriptions(second.subscriptions).toBe('^');
    });
  });

  it('coalesces per key when asked and counts what it merged', () => {
    let stats: ReturnType<import('../../../lib/index.ts').EventQueue['stats']> | undefined;
    const created = fileEvent.created('/x');
    const written = fileEvent.written('/x');
    const gone = fileEvent.created('/y');
    const deleted = fileEvent.deleted('/y');
    marbles(({ at, cold, expectObservable, expectSubscriptions, queue }) => {
      const q = queue({ flushInterval: 5, coalesce: true });
      const source = cold('cgwd', { c: created, g: gone, w: written, d: deleted });
      q.start(source);
      expectSubscriptions(source.subscriptions).toBe('^');
      expectObservable(q.flushes$).toBe('-----x', { x: [created] });
      at(6, () => {
        stats = q.stats();
      });
    });
    expect(stats).toMatchObject({ received: 4, flushed: 1, coalesced: 3, pending: 0 });
  });

  it('cuts batches at maxBatch and delivers the rest after the running flush', () => {
    marbles(({ cold, expectObservable, expectSubscriptions, queue }) => {
      const q = queue({ flushInterval: 10, maxBatch: 2, onFlush: () => timer(1) });
      const source = cold('(abcde)', values);
      q.start(source);
      expectSubscriptions(source.subscriptions).toBe('^');
      expectObservable(q.flushes$).toBe('-xyz', { x: [a, b], y: [c, d], z: [e] });
    });
  });

  it('a maxBatch batch sent by a finishing flush cancels its at-once timer: later events still get a window', () => {
    marbles(({ at, cold, expectObservable, expectSubscriptions, queue, timers }) => {
      const q = queue({ flushInterval: 3, maxBatch: 2, onFlush: () => timer(2) });
      const source = cold('a----(bc)---d', { a, b, c, d });
      q.start(source);
      expectSubscriptions(source.subscriptions).toBe('^');
      expectObservable(q.flushes$).toBe('5ms x 1ms y 9ms z', { x: [a], y: [b, c], z: [d] });
      at(20, () => expect(timers.active).toBe(0));
    });
  });
});
