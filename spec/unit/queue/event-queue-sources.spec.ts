// Sources given to start(): one that errors or completes ends alone; the queue and the others go on.
import { describe, expect, it } from 'vitest';
import { type Event, type QueueError, SourceError } from '../../../lib/index.ts';
import { marbles } from '../../support/marbles.ts';
import { a, b, c, values } from './marble-events.ts';

describe('EventQueue sources', () => {
  it('reports a source that errors as a SourceError and keeps the queue and other sources going', () => {
    const errors: QueueError[] = [];
    marbles(({ cold, expectObservable, expectSubscriptions, queue }) => {
      const q = queue({ flushInterval: 3, onError: (error) => errors.push(error) });
      const failing = cold('-a-#', { a });
      const going = cold('---b---c', values);
      const third = cold<Event>('--#', undefined, new Error('third'));
      q.start(failing, going);
      q.start(third);
      expectObservable(q.flushes$).toBe('----x-----y', { x: [a, b], y: [c] });
      expectSubscriptions(failing.subscriptions).toBe('^--!');
      expectSubscriptions(going.subscriptions).toBe('^');
      expectSubscriptions(third.subscriptions).toBe('^-!');
    });
    expect(errors.map((error) => [error.constructor, (error as SourceError).sourceIndex])).toEqual([
      [SourceError, 2],
      [SourceError, 0],
    ]);
    expect(errors[0]?.cause).toEqual(new Error('third'));
  });

  it('a source that completes is released and the others go on; nothing is reported', () => {
    const errors: QueueError[] = [];
    marbles(({ cold, expectObservable, expectSubscriptions, queue }) => {
      const q = queue({ flushInterval: 2, onError: (error) => errors.push(error) });
      const done = cold('a|', { a });
      const going = cold('---b---c', { b, c });
      q.start(done, going);
      expectObservable(q.flushes$).toBe('--x--y---z', { x: [a], y: [b], z: [c] });
      expectSubscriptions(done.subscriptions).toBe('^!');
      expectSubscriptions(going.subscriptions).toBe('^');
    });
    expect(errors).toEqual([]);
  });
});
