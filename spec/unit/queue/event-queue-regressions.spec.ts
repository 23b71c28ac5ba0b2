// Regressions found in review: each test failed before its fix.
import { timer } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import {
  Action,
  batchEvents,
  type Event,
  EventQueue,
  type QueueError,
} from '../../../lib/index.ts';
import { dockerEvent, fileEvent } from '../../../lib/testing/index.ts';
import { marbles } from '../../support/marbles.ts';

const a = dockerEvent.start('a');
const b = dockerEvent.stop('b');
const c = dockerEvent.die('c');
const d = dockerEvent.kill('d');

describe('EventQueue regressions', () => {
  it('a maxBatch batch sent by a finishing flush cancels its at-once timer: later events still get a window', () => {
    marbles(({ cold, expectObservable, queue, timers, at }) => {
      const q = queue({ flushInterval: 3, maxBatch: 2, onFlush: () => timer(2) });
      q.start(cold('a----(bc)---d', { a, b, c, d }));
      expectObservable(q.flushes$).toBe('5ms x 1ms y 9ms z', { x: [a], y: [b, c], z: [d] });
      at(20, () => expect(timers.active).toBe(0));
    });
  });

  it('a batch whose retry cancels out entirely does not pass its attempt count on to the next batch', () => {
    const calls: { at: number; names: string[] }[] = [];
    const errors: QueueError[] = [];
    marbles(({ cold, queue, testScheduler }) => {
      const q = queue({
        flushInterval: 3,
        coalesce: true,
        retry: { maxRetries: 1, backoff: () => 10 },
        onFlush: (batch) => {
          calls.push({ at: testScheduler.now(), names: batch.map((event) => event.actorName) });
          throw new Error('down');
        },
        onError: (error) => errors.push(error),
      });
      const events = {
        c: fileEvent.created('/a'),
        d: fileEvent.deleted('/a'),
        w: fileEvent.written('/b'),
      };
      q.start(cold('c----d--------------w', events));
    });
    expect(calls).toEqual([
      { at: 3, names: ['/a'] },
      { at: 23, names: ['/b'] },
      { at: 33, names: ['/b'] },
    ]);
    expect(errors).toMatchObject([{ attempts: 2, batch: [{ actorName: '/b' }] }]);
  });

  it('a second overflow collapse does not count the first collapse’s reloads as dropped', () => {
    let stats: ReturnType<EventQueue['stats']> | undefined;
    const flushed: (readonly Event[])[] = [];
    marbles(({ cold, queue, at }) => {
      const q = queue({
        flushInterval: 5,
        capacity: 1,
        onFlush: (batch) => void flushed.push(batch),
      });
      q.start(cold('abf', { a, b, f: fileEvent.written('/x') }));
      at(6, () => {
        stats = q.stats();
      });
    });
    expect(stats).toMatchObject({ received: 3, dropped: 3, flushed: 2 });
    expect(stats?.byType).toEqual({
      docker: { received: 2, flushed: 1, dropped: 2, coalesced: 0, deadLettered: 0 },
      file: { received: 1, flushed: 1, dropped: 1, coalesced: 0, deadLettered: 0 },
    });
    expect(flushed[0]?.map((event) => [event.type, event.action])).toEqual([
      ['docker', Action.ForceReload],
      ['file', Action.ForceReload],
    ]);
  });

  it('batchEvents with overflow "error" and no handler leaves no timer after it errors', () => {
    marbles(({ hot, expectObservable, timers, at }) => {
      const out = hot('-(abc)', { a, b, c }).pipe(
        batchEvents({
          flushInterval: 5,
          maxBatch: 1,
          capacity: 1,
          overflow: 'error',
          scheduler: timers,
        }),
      );
      expectObservable(out).toBe('-#', undefined, expect.anything());
      // Checked in the same frame, after the error and before any at-once timer could fire.
      at(1, () => expect(timers.active).toBe(0));
    });
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

describe('EventQueue sources', () => {
  it('a source that completes is released and the others go on; nothing is reported', () => {
    const errors: QueueError[] = [];
    marbles(({ cold, expectObservable, expectSubscriptions, queue }) => {
      const q = queue({ flushInterval: 2, onError: (error) => errors.push(error) });
      const done = cold('a|', { a });
      const going = cold('---b---c', { b, c });
      q.start(done, going);
      expectObservable(q.flushes$).toBe('--x--y---z', { x: [a], y: [b], z: [c] });
      expectSubscriptions(done.subscriptions).toBe('^!');
    });
    expect(errors).toEqual([]);
  });
});
