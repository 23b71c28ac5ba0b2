import { tap, throwError, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  Action,
  type Event,
  FlushError,
  OverflowError,
  QueueClosedError,
  type QueueError,
  SourceError,
} from '../../../lib/index.ts';
import { dockerEvent, fileEvent } from '../../../lib/testing/index.ts';
import { marbles } from '../../support/marbles.ts';

const a = dockerEvent.start('a');
const b = dockerEvent.stop('b');
const c = dockerEvent.die('c');
const d = dockerEvent.pause('d');
const e = dockerEvent.kill('e');
const values = { a, b, c, d, e };

describe('EventQueue (virtual time)', () => {
  it('hands each batch to onFlush and flushes$, and opens windows only on events', () => {
    const seen: (readonly Event[])[] = [];
    marbles(({ cold, expectObservable, queue, timers, at }) => {
      const q = queue({ flushInterval: 3, onFlush: (batch) => void seen.push(batch) });
      q.start(cold('a-b---c', values));
      expectObservable(q.flushes$).toBe('---x-----y', { x: [a, b], y: [c] });
      at(5, () => expect(timers.active).toBe(0));
    });
    expect(seen).toEqual([[a, b], [c]]);
  });

  it('runs one flush at a time; events arriving meanwhile wait and go as soon as it ends if due', () => {
    const calls: { at: number; batch: readonly Event[] }[] = [];
    let running = 0;
    let maxRunning = 0;
    marbles(({ cold, expectObservable, queue, testScheduler }) => {
      const q = queue({
        flushInterval: 3,
        onFlush: (batch) => {
          calls.push({ at: testScheduler.now(), batch });
          maxRunning = Math.max(maxRunning, ++running);
          return timer(5).pipe(tap({ complete: () => running-- }));
        },
      });
      q.start(cold('a---b----c', values));
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
    marbles(({ cold, queue, testScheduler }) => {
      const q = queue({
        flushInterval: 3,
        onFlush: () => {
          calls.push(testScheduler.now());
          return timer(2);
        },
      });
      q.start(cold('a---b', values));
    });
    expect(calls).toEqual([3, 7]);
  });

  it.each([
    [
      'a thrown Error',
      () => {
        throw new Error('boom');
      },
      'boom',
    ],
    [
      'a thrown string',
      () => {
        throw 'boom';
      },
      'boom',
    ],
    ['an Observable that errors', () => throwError(() => new Error('boom')), 'boom'],
  ])('reports %s as one FlushError carrying the cause, then goes on', (_name, failing, message) => {
    const errors: QueueError[] = [];
    let calls = 0;
    marbles(({ cold, expectObservable, queue }) => {
      const q = queue({
        flushInterval: 2,
        onFlush: () => (calls++ === 0 ? failing() : undefined),
        onError: (error) => errors.push(error),
      });
      q.start(cold('a---b', values));
      expectObservable(q.flushes$).toBe('------y', { y: [b] });
    });
    expect(errors).toHaveLength(1);
    const error = errors[0] as FlushError;
    expect(error).toBeInstanceOf(FlushError);
    expect(error).toMatchObject({
      name: 'FlushError',
      code: 'BATCHWATCH_FLUSH_FAILED',
      attempts: 1,
      batch: [a],
    });
    expect(String(error.cause)).toContain(message);
    expect(error.message).toContain(message);
  });

  it('in debug mode also re-throws the error asynchronously, after onError', () => {
    const errors: QueueError[] = [];
    expect(() =>
      marbles(({ cold, queue }) => {
        const q = queue({
          flushInterval: 1,
          debug: true,
          onFlush: () => {
            throw new Error('loud');
          },
          onError: (error) => errors.push(error),
        });
        q.start(cold('a', values));
      }),
    ).toThrow(FlushError);
    expect(errors).toHaveLength(1);
  });

  it('re-throws asynchronously when onError itself throws, instead of losing the error', () => {
    expect(() =>
      marbles(({ cold, queue }) => {
        const q = queue({
          flushInterval: 1,
          onFlush: () => {
            throw new Error('flush');
          },
          onError: () => {
            throw new Error('handler broke');
          },
        });
        q.start(cold('a', values));
      }),
    ).toThrow('handler broke');
  });

  it('keeps arrival order within and across batches, across sources', () => {
    marbles(({ hot, expectObservable, queue }) => {
      const q = queue({ flushInterval: 4 });
      q.start(hot('-a--c--e', values), hot('--b---d', values));
      expectObservable(q.flushes$).toBe('-----x----y', { x: [a, b, c], y: [d, e] });
    });
  });

  it('coalesces per key when asked and counts what it merged', () => {
    let stats: ReturnType<import('../../../lib/index.ts').EventQueue['stats']> | undefined;
    const created = fileEvent.created('/x');
    const written = fileEvent.written('/x');
    const gone = fileEvent.created('/y');
    const deleted = fileEvent.deleted('/y');
    marbles(({ cold, expectObservable, queue, at }) => {
      const q = queue({ flushInterval: 5, coalesce: true });
      q.start(cold('cgwd', { c: created, g: gone, w: written, d: deleted }));
      expectObservable(q.flushes$).toBe('-----x', { x: [created] });
      at(6, () => {
        stats = q.stats();
      });
    });
    expect(stats).toMatchObject({ received: 4, flushed: 1, coalesced: 3, pending: 0 });
  });

  it('cuts batches at maxBatch and delivers the rest after the running flush', () => {
    marbles(({ cold, expectObservable, queue }) => {
      const q = queue({ flushInterval: 10, maxBatch: 2, onFlush: () => timer(1) });
      q.start(cold('(abcde)', values));
      expectObservable(q.flushes$).toBe('-xyz', { x: [a, b], y: [c, d], z: [e] });
    });
  });

  describe('overflow', () => {
    it("'force-reload' (the default) collapses the pending batch and absorbs later events of that type", () => {
      let stats: ReturnType<import('../../../lib/index.ts').EventQueue['stats']> | undefined;
      marbles(({ cold, expectObservable, queue, at }) => {
        const q = queue({ flushInterval: 5, capacity: 2 });
        q.start(cold('abcde', values));
        expectObservable(q.flushes$).toBe('-----x', {
          x: [
            expect.objectContaining({
              type: 'docker',
              action: Action.ForceReload,
              actorAttributes: { reason: 'overflow' },
            }),
          ],
        });
        at(6, () => {
          stats = q.stats();
        });
      });
      expect(stats).toMatchObject({ received: 5, dropped: 5, flushed: 1, batches: 1, pending: 0 });
    });

    it("'error' reports one OverflowError per batch window to onError", () => {
      const errors: QueueError[] = [];
      marbles(({ cold, expectObservable, queue }) => {
        const q = queue({
          flushInterval: 3,
          capacity: 1,
          overflow: 'error',
          onError: (error) => errors.push(error),
        });
        q.start(cold('abc-de', values));
        expectObservable(q.flushes$).toBe('---x---y', { x: [a], y: [d] });
      });
      expect(errors.map((error) => error.constructor)).toEqual([OverflowError, OverflowError]);
    });
  });

  describe('retry', () => {
    it('retries a failed batch with backoff, then reports it once as a dead letter', () => {
      const calls: number[] = [];
      const errors: QueueError[] = [];
      let stats: ReturnType<import('../../../lib/index.ts').EventQueue['stats']> | undefined;
      marbles(({ cold, queue, testScheduler, at }) => {
        const q = queue({
          flushInterval: 3,
          retry: { maxRetries: 2, backoff: (attempt) => attempt * 10 },
          onFlush: () => {
            calls.push(testScheduler.now());
            throw new Error('down');
          },
          onError: (error) => errors.push(error),
        });
        q.start(cold('a', values));
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
      marbles(({ cold, expectObservable, queue }) => {
        let failed = false;
        const q = queue({
          flushInterval: 3,
          retry: { maxRetries: 1, backoff: () => 10 },
          onFlush: (batch) => {
            batches.push(batch);
            if (!failed) {
              failed = true;
              throw new Error('once');
            }
          },
        });
        q.start(cold('a----b', values));
        expectObservable(q.flushes$).toBe('-------------x', { x: [a, b] });
      });
      expect(batches).toEqual([[a], [a, b]]);
    });

    it('gives up at once when backoff returns null', () => {
      const errors: QueueError[] = [];
      marbles(({ cold, queue }) => {
        const q = queue({
          flushInterval: 1,
          retry: { maxRetries: 5, backoff: () => null },
          onFlush: () => {
            throw new Error('no');
          },
          onError: (error) => errors.push(error),
        });
        q.start(cold('a', values));
      });
      expect(errors).toMatchObject([{ attempts: 1 }]);
    });

    it('tries maxRetries + 1 times; the deprecated retry.max means the same', () => {
      for (const retry of [{ maxRetries: 1 }, { max: 1 }, { maxRetries: 0 }]) {
        const tries: number[] = [];
        const errors: QueueError[] = [];
        marbles(({ cold, queue, testScheduler }) => {
          const q = queue({
            flushInterval: 1,
            retry: { ...retry, backoff: () => 5 },
            onFlush: () => {
              tries.push(testScheduler.now());
              throw new Error('down');
            },
            onError: (error) => errors.push(error),
          });
          q.start(cold('a', values));
        });
        const expected = (retry.maxRetries ?? retry.max ?? 0) + 1;
        expect(tries).toHaveLength(expected);
        expect(errors).toMatchObject([{ name: 'FlushError', attempts: expected }]);
      }
    });
  });

  describe('stop and drain', () => {
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
  });

  it('reports a source that errors as a SourceError and keeps the queue and other sources going', () => {
    const errors: QueueError[] = [];
    marbles(({ cold, expectObservable, queue }) => {
      const q = queue({ flushInterval: 3, onError: (error) => errors.push(error) });
      q.start(cold('-a-#'), cold('---b---c', values));
      q.start(cold('--#', undefined, new Error('third')));
      expectObservable(q.flushes$).toBe('----x-----y', { x: ['a', b], y: [c] });
    });
    expect(errors.map((error) => [error.constructor, (error as SourceError).sourceIndex])).toEqual([
      [SourceError, 2],
      [SourceError, 0],
    ]);
    expect(errors[0]?.cause).toEqual(new Error('third'));
  });
});
