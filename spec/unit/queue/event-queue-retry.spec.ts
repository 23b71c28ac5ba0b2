// Retries of failed batches (maxRetries + 1 tries on the RetryLoop) and dead letters.
import { describe, expect, it, vi } from 'vitest';
import { type Event, EventQueue, type QueueError } from '../../../lib/index.ts';
import { dockerEvent, fileEvent } from '../../../lib/testing/index.ts';
import { marbles } from '../../support/marbles.ts';
import { a, b, values } from './marble-events.ts';

describe('EventQueue retry', () => {
  it('retries a failed batch with backoff, then reports it once as a dead letter', () => {
    const calls: number[] = [];
    const errors: QueueError[] = [];
    let stats: ReturnType<import('../../../lib/index.ts').EventQueue['stats']> | undefined;
    marbles(({ at, cold, expectSubscriptions, queue, testScheduler }) => {
      const q = queue({
        flushInterval: 3,
        maxRetries: 2,
        retry: (attempt) => attempt * 10,
        onFlush: () => {
          calls.push(testScheduler.now());
          throw new Error('down');
        },
        onError: (error) => errors.push(error),
      });
      const source = cold('a', values);
      q.start(source);
      expectSubscriptions(source.subscriptions).toBe('^');
      at(40, () => {
        stats = q.stats();
      });
    });
    expect(calls).toEqual([3, 13, 33]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ name: 'FlushError', attempts: 3, batch: [a] });
    expect(stats).toMatchObject({
      retried: 2,
      deadLettered: 1,
      errors: 1,
      flushed: 0,
      inFlight: 0,
    });
  });

  it('merges the retried batch in front of newer events', () => {
    const batches: (readonly Event[])[] = [];
    marbles(({ cold, expectObservable, expectSubscriptions, queue }) => {
      let failed = false;
      const q = queue({
        flushInterval: 3,
        maxRetries: 1,
        retry: () => 10,
        onFlush: (batch) => {
          batches.push(batch);
          if (!failed) {
            failed = true;
            throw new Error('once');
          }
        },
      });
      const source = cold('a----b', values);
      q.start(source);
      expectSubscriptions(source.subscriptions).toBe('^');
      expectObservable(q.flushes$).toBe('-------------x', { x: [a, b] });
    });
    expect(batches).toEqual([[a], [a, b]]);
  });

  it('gives up at once when backoff returns null', () => {
    const errors: QueueError[] = [];
    marbles(({ cold, expectSubscriptions, queue }) => {
      const q = queue({
        flushInterval: 1,
        maxRetries: 5,
        retry: () => null,
        onFlush: () => {
          throw new Error('no');
        },
        onError: (error) => errors.push(error),
      });
      const source = cold('a', values);
      q.start(source);
      expectSubscriptions(source.subscriptions).toBe('^');
    });
    expect(errors).toMatchObject([{ attempts: 1 }]);
  });

  it('tries maxRetries + 1 times; the deprecated retry.max means the same', () => {
    for (const retry of [{ maxRetries: 1 }, { max: 1 }, { maxRetries: 0 }]) {
      const tries: number[] = [];
      const errors: QueueError[] = [];
      marbles(({ cold, expectSubscriptions, queue, testScheduler }) => {
        const q = queue({
          flushInterval: 1,
          retry: { ...retry, backoff: () => 5 },
          onFlush: () => {
            tries.push(testScheduler.now());
            throw new Error('down');
          },
          onError: (error) => errors.push(error),
        });
        const source = cold('a', values);
        q.start(source);
        expectSubscriptions(source.subscriptions).toBe('^');
      });
      const expected = (retry.maxRetries ?? retry.max ?? 0) + 1;
      expect(tries).toHaveLength(expected);
      expect(errors).toMatchObject([{ name: 'FlushError', attempts: expected }]);
    }
  });

  it('a batch whose retry cancels out entirely does not pass its attempt count on to the next batch', () => {
    const calls: { at: number; names: string[] }[] = [];
    const errors: QueueError[] = [];
    marbles(({ cold, expectSubscriptions, queue, testScheduler }) => {
      const q = queue({
        flushInterval: 3,
        coalesce: true,
        maxRetries: 1,
        retry: () => 10,
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
      const source = cold('c----d--------------w', events);
      q.start(source);
      expectSubscriptions(source.subscriptions).toBe('^');
    });
    expect(calls).toEqual([
      { at: 3, names: ['/a'] },
      { at: 23, names: ['/b'] },
      { at: 33, names: ['/b'] },
    ]);
    expect(errors).toMatchObject([{ attempts: 2, batch: [{ actorName: '/b' }] }]);
  });

  it('drain() waits for a running async flush and its retries', async () => {
    let tries = 0;
    let release = (): void => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const queue = new EventQueue({
      flushInterval: 1,
      maxRetries: 2,
      retry: () => 5,
      onFlush: async () => {
        tries++;
        // The first try is still running when drain() is called.
        if (tries === 1) await held;
        if (tries < 3) throw new Error('not yet');
      },
    });
    queue.push(dockerEvent.start('a'));
    await vi.waitFor(() => expect(tries).toBe(1));
    const drained = queue.drain();
    expect(queue.stats()).toMatchObject({ inFlight: 1 });
    release();
    await drained;
    expect(tries).toBe(3);
    expect(queue.stats()).toMatchObject({
      flushed: 1,
      retried: 2,
      errors: 0,
      pending: 0,
      inFlight: 0,
    });
  });
});
