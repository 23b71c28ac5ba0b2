// Settling windows (`quiet`, `maxWait`) in the batchEvents operator: a window closes after a quiet
// gap, never later than maxWait after its first event; maxBatch still cuts; teardown is clean.
import type { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type BatchEventsOptions, batchEvents, type Event } from '../../../lib/index.ts';
import { marbles } from '../../support/marbles.ts';
import { a, b, c, d, e, values } from './marble-events.ts';

function batched(
  source: Observable<Event>,
  options: BatchEventsOptions,
): Observable<readonly Event[]> {
  return source.pipe(batchEvents(options));
}

describe('batchEvents settling (quiet, maxWait)', () => {
  it('closes a window once no event came for quiet frames, whatever its length', () => {
    marbles(({ cold, expectObservable, expectSubscriptions, timers, at }) => {
      // Events every 2 frames for 8 frames, then quiet: one batch, 3 frames after the last.
      const source = cold('a-b-c-d-e------a', values);
      expectObservable(batched(source, { quiet: 3, maxWait: 100, scheduler: timers })).toBe(
        '-----------x------y',
        { x: [a, b, c, d, e], y: [a] },
      );
      expectSubscriptions(source.subscriptions).toBe('^');
      at(12, () => expect(timers.active).toBe(0));
    });
  });

  it('the same events in a fixed window of the same length are cut while they still arrive', () => {
    marbles(({ cold, expectObservable }) => {
      const source = cold('a-b-c-d-e', values);
      expectObservable(batched(source, { flushInterval: 3 })).toBe('---x---y---z', {
        x: [a, b],
        y: [c, d],
        z: [e],
      });
    });
  });

  it('never keeps a window open longer than maxWait after its first event', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      // a b c d e a, 2 frames apart: quiet 3 never comes; maxWait 7 closes at 7, the rest settles.
      const source = cold('a-b-c-d-e-a', values);
      expectObservable(batched(source, { quiet: 3, maxWait: 7 })).toBe('-------x-----y', {
        x: [a, b, c, d],
        y: [e, a],
      });
      expectSubscriptions(source.subscriptions).toBe('^');
    });
  });

  it('runs no timer while idle and one while a window is open', () => {
    marbles(({ hot, expectObservable, timers, at }) => {
      const source = hot('-a-b---------c', values);
      expectObservable(batched(source, { quiet: 2, scheduler: timers })).toBe('-----x---------y', {
        x: [a, b],
        y: [c],
      });
      at(0, () => expect(timers.active).toBe(0));
      at(2, () => expect(timers.active).toBe(1));
      at(4, () => expect(timers.active).toBe(1));
      at(6, () => expect(timers.active).toBe(0));
      at(12, () => expect(timers.active).toBe(0));
    });
  });

  it('still closes early at maxBatch', () => {
    marbles(({ cold, expectObservable }) => {
      const source = cold('(abc)-d', values);
      expectObservable(batched(source, { quiet: 4, maxBatch: 2 })).toBe('(xy)------z', {
        x: [a, b],
        y: [c],
        z: [d],
      });
    });
  });

  it('emits what is pending when the source completes, and releases its timer on unsubscribe', () => {
    marbles(({ cold, expectObservable, expectSubscriptions, timers, at }) => {
      const completing = cold('a-b|', values);
      expectObservable(batched(completing, { quiet: 10, scheduler: timers })).toBe('---(x|)', {
        x: [a, b],
      });
      const endless = cold('a-b-c', values);
      expectObservable(batched(endless, { quiet: 10, scheduler: timers }), '^--!').toBe('');
      expectSubscriptions(endless.subscriptions).toBe('^--!');
      at(4, () => expect(timers.active).toBe(0));
    });
  });

  it('rejects contradictory or out-of-range settle options, naming them', () => {
    const bad: [BatchEventsOptions, string][] = [
      [{ quiet: 100, flushInterval: 300 }, 'flushInterval'],
      [{ maxWait: 1000 }, 'maxWait'],
      [{ quiet: 500, maxWait: 200 }, 'maxWait'],
      [{ quiet: 0 }, 'quiet'],
      [{ quiet: Number.NaN }, 'quiet'],
      [{ quiet: 20_000 }, 'maxWait'],
      [{ quiet: 10, maxWait: Number.POSITIVE_INFINITY }, 'maxWait'],
    ];
    for (const [options, option] of bad) {
      expect(() => batchEvents(options), JSON.stringify(options)).toThrow(
        expect.objectContaining({ name: 'OptionsError', option }),
      );
    }
    expect(() => batchEvents({ quiet: 200, maxWait: 200 })).not.toThrow();
  });
});
