// Ending a queue: close() (= drain(), lossless, one promise) and an AbortSignal (= stop()); after
// either, nothing is left: no timer, no source subscription, no abort listener.
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { type Event, EventQueue, OptionsError, QueueClosedError } from '../../../lib/index.ts';
import { dockerEvent } from '../../../lib/testing/index.ts';
import { marbles } from '../../support/marbles.ts';

const a = dockerEvent.start('a');
const b = dockerEvent.stop('b');

describe('EventQueue close()', () => {
  it('flushes what is pending, returns the same promise every time, and leaves nothing behind', async () => {
    const flushed: (readonly Event[])[] = [];
    const controller = new AbortController();
    let closing: Promise<void> | undefined;
    let again: Promise<void> | undefined;
    let completed = false;
    marbles(({ cold, expectSubscriptions, queue, timers, at }) => {
      const q = queue({
        flushInterval: 60_000,
        signal: controller.signal,
        onFlush: (batch) => void flushed.push(batch),
      });
      q.flushes$.subscribe({ complete: () => (completed = true) });
      const source = cold('ab', { a, b });
      q.start(source);
      at(5, () => {
        closing = q.close();
        again = q.close();
        expect(timers.active).toBe(0);
      });
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
    expect(again).toBe(closing);
    await closing;
    expect(flushed).toEqual([[a, b]]);
    expect(completed).toBe(true);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('is drain(): one promise for both, and resolved after stop()', async () => {
    const q = new EventQueue({ flushInterval: 60_000 });
    const drained = q.drain();
    expect(q.close()).toBe(drained);
    await drained;
    const stopped = new EventQueue({ flushInterval: 60_000 });
    stopped.push(a);
    stopped.stop();
    await expect(stopped.close()).resolves.toBeUndefined();
    expect(stopped.close()).toBe(stopped.close());
    expect(stopped.stats()).toMatchObject({ dropped: 1, flushed: 0 });
  });

  it('is what await using calls', async () => {
    const flushed: (readonly Event[])[] = [];
    let queue: EventQueue | undefined;
    {
      await using q = new EventQueue({
        flushInterval: 60_000,
        onFlush: (batch) => void flushed.push(batch),
      });
      queue = q;
      q.push(a);
    }
    expect(flushed).toEqual([[a]]);
    expect(() => queue?.start()).toThrow(QueueClosedError);
  });
});

describe('EventQueue signal', () => {
  it('aborting stops the queue: pending events are discarded, sources and timers released', () => {
    const controller = new AbortController();
    const flushed: (readonly Event[])[] = [];
    let stats: ReturnType<EventQueue['stats']> | undefined;
    marbles(({ cold, expectSubscriptions, queue, timers, at }) => {
      const q = queue({
        flushInterval: 10,
        signal: controller.signal,
        onFlush: (batch) => void flushed.push(batch),
      });
      const source = cold('a-b---', { a, b });
      q.start(source);
      at(3, () => {
        controller.abort();
        stats = q.stats();
        expect(timers.active).toBe(0);
        expect(() => q.start()).toThrow(QueueClosedError);
      });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
    expect(flushed).toEqual([]);
    expect(stats).toMatchObject({ received: 2, dropped: 2, pending: 0 });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('an already aborted signal gives a stopped queue', async () => {
    const q = new EventQueue({ signal: AbortSignal.abort() });
    expect(() => q.start()).toThrow(QueueClosedError);
    q.push(a);
    expect(q.stats()).toMatchObject({ received: 0, dropped: 1 });
    await expect(q.close()).resolves.toBeUndefined();
  });

  it('aborting rejects the sync() barriers waiting on discarded events', async () => {
    const controller = new AbortController();
    const q = new EventQueue({ flushInterval: 60_000, signal: controller.signal });
    q.push(a);
    const barrier = q.sync();
    controller.abort();
    await expect(barrier).rejects.toBeInstanceOf(QueueClosedError);
  });

  it('the listener is removed once the queue has drained', async () => {
    const controller = new AbortController();
    const q = new EventQueue({ flushInterval: 60_000, signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    q.push(a);
    await q.close();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('must be an AbortSignal', () => {
    expect(() => new EventQueue({ signal: {} as never })).toThrow(
      expect.objectContaining({ name: 'OptionsError', option: 'signal' }),
    );
    expect(() => new EventQueue({ signal: 'abort' as never })).toThrow(OptionsError);
  });
});
