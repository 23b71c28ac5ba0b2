// stop() discards, drain() flushes; both release everything, including a running flush.
import { timer } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { type Event, EventQueue, QueueClosedError, type QueueError } from '../../../lib/index.ts';
import { marbles } from '../../support/marbles.ts';
import { a, b, c, d, values } from './marble-events.ts';

describe('EventQueue stop and drain', () => {
  it('stop() discards pending events and releases sources and timers', () => {
    const flushed: (readonly Event[])[] = [];
    marbles(({ cold, expectObservable, expectSubscriptions, queue, timers, at }) => {
      const q = queue({ flushInterval: 5, onFlush: (batch) => void flushed.push(batch) });
      const source = cold('a-b-c', values);
      q.start(source);
      expectObservable(q.flushes$).toBe('--|');
      expectSubscriptions(source.subscriptions).toBe('^-!');
      at(2, () => {
        q.stop();
        q.stop();
        expect(timers.active).toBe(0);
        expect(q.stats()).toMatchObject({ received: 2, dropped: 2, pending: 0 });
        q.push(d);
        expect(q.stats()).toMatchObject({ received: 2, dropped: 3 });
        expect(() => q.start(source)).toThrow(QueueClosedError);
      });
    });
    expect(flushed).toEqual([]);
  });

  it('drain() flushes pending events at once, waits for the running flush, then completes', () => {
    let drained = false;
    marbles(({ cold, expectObservable, expectSubscriptions, queue, timers, at }) => {
      const q = queue({ flushInterval: 5, maxBatch: 2, onFlush: () => timer(2) });
      const source = cold('abc', values);
      q.start(source);
      expectObservable(q.flushes$).toBe('---x--(y|)', { x: [a, b], y: [c] });
      expectSubscriptions(source.subscriptions).toBe('^---!');
      at(4, () => {
        const first = q.drain();
        expect(q.drain()).toBe(first);
        void first.then(() => {
          drained = true;
        });
      });
      at(7, () => expect(timers.active).toBe(0));
    });
    return Promise.resolve().then(() => expect(drained).toBe(true));
  });

  it('an Observable flush running at stop() is cancelled and its events counted as dropped', () => {
    let stats: ReturnType<EventQueue['stats']> | undefined;
    marbles(({ cold, queue, timers, at }) => {
      const q = queue({ flushInterval: 1, onFlush: () => timer(10) });
      q.start(cold('a', { a }));
      at(3, () => {
        q.stop();
        stats = q.stats();
        expect(timers.active).toBe(0);
      });
    });
    expect(stats).toMatchObject({ received: 1, dropped: 1, inFlight: 0, flushed: 0 });
  });

  it('a promise flush that fails after stop() is reported once and never retried', async () => {
    let reject = (_: Error): void => {};
    const errors: QueueError[] = [];
    const q = new EventQueue({
      flushInterval: 1,
      retry: { maxRetries: 3, backoff: () => 60_000 },
      onFlush: () =>
        new Promise<void>((_, fail) => {
          reject = fail;
        }),
      onError: (error) => errors.push(error),
    });
    q.push(a);
    await vi.waitFor(() => expect(q.stats().inFlight).toBe(1));
    q.stop();
    reject(new Error('late'));
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    expect(q.stats()).toMatchObject({ inFlight: 0, retried: 0, deadLettered: 1 });
    expect(errors[0]).toMatchObject({ name: 'FlushError', attempts: 1 });
  });
});
