// What happens beyond capacity: the overflow policies and how their drops are counted.
import { describe, expect, it } from 'vitest';
import {
  Action,
  type Event,
  type EventQueue,
  OverflowError,
  type QueueError,
} from '../../../lib/index.ts';
import { fileEvent } from '../../../lib/testing/index.ts';
import { marbles } from '../../support/marbles.ts';
import { a, b, d, values } from './marble-events.ts';

describe('EventQueue overflow', () => {
  it("'force-reload' (the default) collapses the pending batch and absorbs later events of that type", () => {
    let stats: ReturnType<import('../../../lib/index.ts').EventQueue['stats']> | undefined;
    marbles(({ at, cold, expectObservable, expectSubscriptions, queue }) => {
      const q = queue({ flushInterval: 5, capacity: 2 });
      const source = cold('abcde', values);
      q.start(source);
      expectSubscriptions(source.subscriptions).toBe('^');
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
    marbles(({ cold, expectObservable, expectSubscriptions, queue }) => {
      const q = queue({
        flushInterval: 3,
        capacity: 1,
        overflow: 'error',
        onError: (error) => errors.push(error),
      });
      const source = cold('abc-de', values);
      q.start(source);
      expectSubscriptions(source.subscriptions).toBe('^');
      expectObservable(q.flushes$).toBe('---x---y', { x: [a], y: [d] });
    });
    expect(errors.map((error) => error.constructor)).toEqual([OverflowError, OverflowError]);
  });

  it('a second overflow collapse does not count the first collapse’s reloads as dropped', () => {
    let stats: ReturnType<EventQueue['stats']> | undefined;
    const flushed: (readonly Event[])[] = [];
    marbles(({ at, cold, expectSubscriptions, queue }) => {
      const q = queue({
        flushInterval: 5,
        capacity: 1,
        onFlush: (batch) => void flushed.push(batch),
      });
      const source = cold('abf', { a, b, f: fileEvent.written('/x') });
      q.start(source);
      expectSubscriptions(source.subscriptions).toBe('^');
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
});
