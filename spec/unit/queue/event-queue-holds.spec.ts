// queue.hold(name): a named state keeps batches open until released (re-entrant), then the pending
// events get a fresh window; maxHold delivers anyway with a warning; stop() and drain() release;
// capacity and its overflow policy still apply while held. Settling windows on the queue too.
import { describe, expect, it } from 'vitest';
import {
  type Event,
  HoldTimeoutWarning,
  OptionsError,
  type QueueError,
} from '../../../lib/index.ts';
import { marbles } from '../../support/marbles.ts';
import { a, b, c, d, e, values } from './marble-events.ts';

describe('EventQueue holds', () => {
  it('keeps the batch open while held; the release gives the pending events a fresh window', () => {
    marbles(({ at, cold, expectObservable, queue, timers }) => {
      const q = queue({ flushInterval: 3 });
      q.start(cold('a-b-c', values));
      let release = (): void => {};
      at(1, () => {
        release = q.hold('deploy');
      });
      at(8, () => release());
      // Without the hold: [a, b] at 3, [c] at 7. Held: one batch, 3 frames after the release.
      expectObservable(q.flushes$).toBe('-----------x', { x: [a, b, c] });
      at(12, () => expect(timers.active).toBe(0));
    });
  });

  it('is re-entrant: every take needs its own release, and a release works once', () => {
    marbles(({ at, cold, expectObservable, queue }) => {
      const q = queue({ flushInterval: 3 });
      const first = q.hold('deploy');
      const second = q.hold('deploy');
      const other = q.hold('migrate');
      q.start(cold('a', values));
      at(3, () => other());
      at(5, () => first());
      at(6, () => first()); // again: must not release the second take
      at(9, () => second());
      expectObservable(q.flushes$).toBe('------------x', { x: [a] });
    });
  });

  it('delivers after maxHold with one HoldTimeoutWarning; the expired hold holds no more until released', () => {
    const errors: QueueError[] = [];
    marbles(({ at, cold, expectObservable, queue }) => {
      const q = queue({ flushInterval: 2, maxHold: 10, onError: (error) => errors.push(error) });
      const release = q.hold('deploy');
      q.start(cold('-a----------b--------c', values));
      at(15, () => release());
      at(16, () => {
        q.hold('deploy');
      });
      // [a] at maxHold (10); [b] in its plain window (12 -> 14): the expired hold no longer holds;
      // released at 15 and taken again at 16: [c] (21) is held again until 26.
      expectObservable(q.flushes$).toBe('----------x---y-----------z', { x: [a], y: [b], z: [c] });
    });
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBeInstanceOf(HoldTimeoutWarning);
    expect(errors[0]).toMatchObject({
      holds: ['deploy'],
      maxHold: 10,
      code: 'BATCHWATCH_HOLD_TIMEOUT',
      message: expect.stringContaining('"deploy" kept the batch open for 10 ms'),
    });
    expect(errors[1]).toMatchObject({ name: 'HoldTimeoutWarning', holds: ['deploy'] });
  });

  it('does not cut at maxBatch while held; at the release the batches go at once', () => {
    marbles(({ at, cold, expectObservable, queue }) => {
      const q = queue({ flushInterval: 3, maxBatch: 2 });
      const release = q.hold('deploy');
      q.start(cold('abcde', values));
      at(6, () => release());
      expectObservable(q.flushes$).toBe('------(xyz)', { x: [a, b], y: [c, d], z: [e] });
    });
  });

  it('keeps capacity and the overflow policy while held', () => {
    let stats: ReturnType<import('../../../lib/index.ts').EventQueue['stats']> | undefined;
    marbles(({ at, cold, expectObservable, queue }) => {
      const q = queue({ flushInterval: 2, capacity: 2, overflow: 'drop-newest' });
      const release = q.hold('deploy');
      q.start(cold('a-b-c-d', values));
      at(7, () => {
        stats = q.stats();
        release();
      });
      expectObservable(q.flushes$).toBe('---------x', { x: [a, b] });
    });
    expect(stats).toMatchObject({ received: 4, dropped: 2, pending: 2, flushed: 0 });
  });

  it('drain() delivers held events at once and releases every hold', () => {
    marbles(({ at, cold, expectObservable, queue, timers }) => {
      const q = queue({ flushInterval: 3 });
      const release = q.hold('deploy');
      q.start(cold('ab', values));
      at(5, () => {
        void q.drain();
        release(); // after drain: nothing left to release, and no error
        q.hold('late')(); // a no-op
        expect(timers.active).toBe(0);
      });
      expectObservable(q.flushes$).toBe('-----(x|)', { x: [a, b] });
    });
  });

  it('stop() discards held events and releases every hold and timer', () => {
    const flushed: (readonly Event[])[] = [];
    marbles(({ at, cold, queue, timers }) => {
      const q = queue({ flushInterval: 3, onFlush: (batch) => void flushed.push(batch) });
      const release = q.hold('deploy');
      q.start(cold('ab', values));
      at(5, () => {
        expect(timers.active).toBe(1); // the maxHold check
        q.stop();
        release();
        expect(timers.active).toBe(0);
        expect(q.stats()).toMatchObject({ dropped: 2, pending: 0 });
      });
    });
    expect(flushed).toEqual([]);
  });

  it('runs no timer while held and idle, and refuses a hold without a name', () => {
    marbles(({ at, queue, timers }) => {
      const q = queue({ flushInterval: 3 });
      const release = q.hold('deploy');
      at(5, () => expect(timers.active).toBe(0));
      at(6, () => release());
      at(7, () => expect(timers.active).toBe(0));
      expect(() => q.hold('')).toThrow(OptionsError);
      expect(() => q.hold(undefined as never)).toThrow(OptionsError);
    });
  });

  it('rejects a bad maxHold or holdWhile, naming it', () => {
    marbles(({ queue }) => {
      expect(() => queue({ maxHold: 0 })).toThrow(expect.objectContaining({ option: 'maxHold' }));
      expect(() => queue({ holdWhile: '.git/index.lock' as never })).toThrow(
        expect.objectContaining({ option: 'holdWhile' }),
      );
      expect(() => queue({ holdWhile: [''] })).toThrow(
        expect.objectContaining({ option: 'holdWhile' }),
      );
      expect(() => queue({ maxHold: Number.POSITIVE_INFINITY, holdWhile: ['x'] })).not.toThrow();
    });
  });
});

describe('EventQueue settling windows', () => {
  it('flushes once the stream is quiet, never later than maxWait, one flush at a time', () => {
    const seen: (readonly Event[])[] = [];
    marbles(({ cold, expectObservable, queue }) => {
      const q = queue({ quiet: 3, maxWait: 7, onFlush: (batch) => void seen.push(batch) });
      q.start(cold('a-b-c------d-e-a-b-c', values));
      // [a, b, c] 3 frames after c (4 -> 7); d opens at 11, events every 2: maxWait closes at 18.
      expectObservable(q.flushes$).toBe('-------x----------y---z', {
        x: [a, b, c],
        y: [d, e, a, b],
        z: [c],
      });
    });
    expect(seen).toHaveLength(3);
  });

  it('a held settling window waits quiet after the release', () => {
    marbles(({ at, cold, expectObservable, queue }) => {
      const q = queue({ quiet: 2, maxWait: 4 });
      const release = q.hold('checkout');
      q.start(cold('a-b-c-d', values));
      at(7, () => release());
      expectObservable(q.flushes$).toBe('---------x', { x: [a, b, c, d] });
    });
  });
});
