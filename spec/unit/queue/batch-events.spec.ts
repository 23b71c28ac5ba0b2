// The batchEvents operator: windows, maxBatch, completion and errors, overflow and coalescing,
// each proven with marbles, including when the source is subscribed and released.
import { BehaviorSubject, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  Action,
  type BatchEventsOptions,
  batchEvents,
  type Event,
  OverflowError,
} from '../../../lib/index.ts';
import { dockerEvent, fileEvent } from '../../../lib/testing/index.ts';
import { marbles } from '../../support/marbles.ts';

const a = dockerEvent.start('a');
const b = dockerEvent.stop('b');
const c = dockerEvent.die('c');
const d = dockerEvent.destroy('d');
const values = { a, b, c, d };

function batched(
  source: Observable<Event>,
  options: BatchEventsOptions,
): Observable<readonly Event[]> {
  return source.pipe(batchEvents(options));
}

describe('batchEvents', () => {
  it('opens a window at the first event after idle and closes it flushInterval later', () => {
    marbles(({ cold, expectObservable, expectSubscriptions, timers }) => {
      const source = cold('a-b---c---|', values);
      expectObservable(batched(source, { flushInterval: 3, scheduler: timers })).toBe(
        '---x-----y|',
        { x: [a, b], y: [c] },
      );
      expectSubscriptions(source.subscriptions).toBe('^---------!');
    });
  });

  it('runs no timer while idle and emits no empty batch', () => {
    marbles(({ hot, expectObservable, expectSubscriptions, timers, at }) => {
      const source = hot('-a--------b', values);
      expectObservable(batched(source, { flushInterval: 2, scheduler: timers })).toBe(
        '---x--------y',
        { x: [a], y: [b] },
      );
      expectSubscriptions(source.subscriptions).toBe('^');
      at(0, () => expect(timers.active).toBe(0));
      at(2, () => expect(timers.active).toBe(1));
      at(4, () => expect(timers.active).toBe(0));
      at(9, () => expect(timers.active).toBe(0));
    });
  });

  it('closes the window early at maxBatch, from the scheduler, and cuts batches to maxBatch', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('(abc)-d', values);
      expectObservable(batched(source, { flushInterval: 5, maxBatch: 2 })).toBe('(xy)-------z', {
        x: [a, b],
        y: [c],
        z: [d],
      });
      expectSubscriptions(source.subscriptions).toBe('^');
    });
  });

  it('emits what is pending when the source completes, then completes', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const withEvents = cold('ab|', values);
      const empty = cold<Event>('---|');
      expectObservable(batched(withEvents, { flushInterval: 10 })).toBe('--(x|)', { x: [a, b] });
      expectObservable(batched(empty, { flushInterval: 10 })).toBe('---|');
      expectSubscriptions(withEvents.subscriptions).toBe('^-!');
      expectSubscriptions(empty.subscriptions).toBe('^--!');
    });
  });

  it('passes a source error on at once and releases its timer', () => {
    marbles(({ cold, expectObservable, expectSubscriptions, timers, at }) => {
      const source = cold('a#', values);
      expectObservable(batched(source, { flushInterval: 10, scheduler: timers })).toBe('-#');
      expectSubscriptions(source.subscriptions).toBe('^!');
      at(2, () => expect(timers.active).toBe(0));
    });
  });

  it('releases the source and the timer on unsubscribe', () => {
    marbles(({ cold, expectObservable, expectSubscriptions, timers, at }) => {
      const source = cold('a-b-c', values);
      expectObservable(batched(source, { flushInterval: 10, scheduler: timers }), '^--!').toBe('');
      expectSubscriptions(source.subscriptions).toBe('^--!');
      at(4, () => expect(timers.active).toBe(0));
    });
  });

  it('rejects a misspelled or removed option, naming it', () => {
    expect(() => batchEvents({ ready: new BehaviorSubject(true) } as never)).toThrow(
      expect.objectContaining({ name: 'OptionsError', option: 'ready' }),
    );
    expect(() => batchEvents({ onOverflow: 'log' as never })).toThrow(
      expect.objectContaining({ name: 'OptionsError', option: 'onOverflow' }),
    );
  });

  describe('overflow at capacity', () => {
    const burst = '(abcd)';

    it("'force-reload' collapses the pending events into one ForceReload per type", () => {
      marbles(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('(abfcd)', { ...values, f: fileEvent.written('/x') });
        const out = batched(source, { flushInterval: 1, capacity: 2, overflow: 'force-reload' });
        expectObservable(out).toBe('-x', {
          x: [
            expect.objectContaining({ type: 'docker', action: Action.ForceReload, actorName: '' }),
            expect.objectContaining({ type: 'file', action: Action.ForceReload, actorName: '' }),
          ],
        });
        expectSubscriptions(source.subscriptions).toBe('^');
      });
    });

    it("'drop-oldest' keeps the newest capacity events", () => {
      marbles(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold(burst, values);
        expectObservable(
          batched(source, { flushInterval: 1, capacity: 2, overflow: 'drop-oldest' }),
        ).toBe('-x', { x: [c, d] });
        expectSubscriptions(source.subscriptions).toBe('^');
      });
    });

    it("'drop-newest' keeps the oldest capacity events", () => {
      marbles(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold(burst, values);
        expectObservable(
          batched(source, { flushInterval: 1, capacity: 2, overflow: 'drop-newest' }),
        ).toBe('-x', { x: [a, b] });
        expectSubscriptions(source.subscriptions).toBe('^');
      });
    });

    it("'error' errors the output when no onOverflow is given, and releases the source", () => {
      marbles(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold(burst, values);
        expectObservable(
          batched(source, { flushInterval: 1, capacity: 2, overflow: 'error' }),
        ).toBe('#', undefined, expect.any(OverflowError));
        expectSubscriptions(source.subscriptions).toBe('(^!)');
      });
    });

    it("'error' without onOverflow leaves no timer after it errors the output", () => {
      marbles(({ hot, expectObservable, expectSubscriptions, timers, at }) => {
        const source = hot('-(abc)', values);
        const out = batched(source, {
          flushInterval: 5,
          maxBatch: 1,
          capacity: 1,
          overflow: 'error',
          scheduler: timers,
        });
        expectObservable(out).toBe('-#', undefined, expect.any(OverflowError));
        expectSubscriptions(source.subscriptions).toBe('^!');
        // Checked in the same frame, after the error and before any at-once timer could fire.
        at(1, () => expect(timers.active).toBe(0));
      });
    });

    it("'error' reports once per batch to onOverflow and keeps the oldest events", () => {
      const reported: OverflowError[] = [];
      marbles(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('(abcd)-(abc)', values);
        const out = batched(source, {
          flushInterval: 1,
          capacity: 2,
          overflow: 'error',
          onOverflow: (error) => reported.push(error),
        });
        expectObservable(out).toBe('-x------y', { x: [a, b], y: [a, b] });
        expectSubscriptions(source.subscriptions).toBe('^');
      });
      expect(reported).toHaveLength(2);
      expect(reported[0]).toMatchObject({
        name: 'OverflowError',
        code: 'BATCHWATCH_QUEUE_FULL',
        capacity: 2,
      });
    });
  });

  it('coalesces per key when asked, at the position of the first event of each key', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const created = fileEvent.created('/x');
      const written = fileEvent.written('/x');
      const other = fileEvent.written('/y');
      const source = cold('cow|', { c: created, o: other, w: written });
      const out = batched(source, { flushInterval: 5, coalesce: true });
      expectObservable(out).toBe('---(x|)', { x: [created, other] });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('coalesces with a custom key', () => {
    marbles(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('abcd', values);
      const out = batched(source, { flushInterval: 4, coalesce: (event) => event.type });
      expectObservable(out).toBe('----x', { x: [d] });
      expectSubscriptions(source.subscriptions).toBe('^');
    });
  });

  it('validates its options when the operator is made', () => {
    expect(() => batchEvents({ flushInterval: 0 })).toThrow(/flushInterval/);
  });
});
