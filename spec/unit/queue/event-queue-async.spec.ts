import { describe, expect, it, vi } from 'vitest';
import {
  type Event,
  EventQueue,
  type EventQueueOptions,
  FlushError,
  OptionsError,
  QueueClosedError,
  type QueueError,
} from '../../../lib/index.ts';
import { dockerEvent, fileEvent } from '../../../lib/testing/index.ts';

/** A promise with its resolve function, to hold a flush open for as long as a test needs. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe('EventQueue with promise handlers (real time)', () => {
  it('reports a rejected flush as a FlushError and goes on', async () => {
    const errors: QueueError[] = [];
    const flushed: (readonly Event[])[] = [];
    const queue = new EventQueue({
      flushInterval: 2,
      onFlush: async (batch) => {
        if (batch[0]?.actorName === 'bad') throw new Error('rejected');
        flushed.push(batch);
      },
      onError: (error) => errors.push(error),
    });
    queue.push(dockerEvent.start('bad'));
    await queue.sync();
    queue.push(dockerEvent.start('good'));
    await queue.sync();
    expect(errors).toMatchObject([{ name: 'FlushError', cause: new Error('rejected') }]);
    expect(flushed.map((batch) => batch.map((event) => event.actorName))).toEqual([['good']]);
    expect(queue.stats()).toMatchObject({
      received: 2,
      flushed: 1,
      batches: 1,
      errors: 1,
      deadLettered: 1,
    });
    await queue.drain();
  });

  it('never runs two async flushes at once, and never blocks push', async () => {
    let running = 0;
    let maxRunning = 0;
    const held = gate();
    const batches: number[] = [];
    const queue = new EventQueue({
      flushInterval: 1,
      onFlush: async (batch) => {
        maxRunning = Math.max(maxRunning, ++running);
        batches.push(batch.length);
        if (batches.length === 1) await held.promise;
        running--;
      },
    });
    queue.push(dockerEvent.start('first'));
    await vi.waitFor(() => expect(batches).toEqual([1]));
    for (let i = 0; i < 1000; i++) queue.push(dockerEvent.start(`n${i}`));
    expect(queue.stats()).toMatchObject({ pending: 1000, inFlight: 1 });
    held.open();
    await queue.sync();
    expect(batches).toEqual([1, 1000]);
    expect(maxRunning).toBe(1);
    await queue.drain();
  });

  describe('sync()', () => {
    it('resolves at once when nothing is pending', async () => {
      const queue = new EventQueue({ flushInterval: 1000 });
      await expect(queue.sync()).resolves.toBeUndefined();
      queue.stop();
    });

    it('waits for events received before the call, not for later ones', async () => {
      const held = gate();
      const seen: string[] = [];
      const queue = new EventQueue({
        flushInterval: 1,
        onFlush: async (batch) => {
          seen.push(...batch.map((event) => event.actorName));
          if (seen.length === 1) await held.promise;
        },
      });
      queue.push(dockerEvent.start('before'));
      await vi.waitFor(() => expect(seen).toEqual(['before']));
      const barrier = queue.sync();
      let passed = false;
      void barrier.then(() => {
        passed = true;
      });
      queue.push(dockerEvent.start('after'));
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(passed).toBe(false);
      held.open();
      await barrier;
      expect(seen).toContain('before');
      await queue.drain();
      expect(seen).toEqual(['before', 'after']);
    });

    it('resolves when the pending events cancel out, without a flush', async () => {
      const onFlush = vi.fn();
      const queue = new EventQueue({ flushInterval: 60_000, coalesce: true, onFlush });
      queue.push(fileEvent.created('/tmp/x'));
      const barrier = queue.sync();
      queue.push(fileEvent.deleted('/tmp/x'));
      await barrier;
      expect(onFlush).not.toHaveBeenCalled();
      expect(queue.stats()).toMatchObject({ pending: 0, coalesced: 2 });
      queue.stop();
    });

    it('rejects with QueueClosedError when stop() discards what it waited for', async () => {
      const queue = new EventQueue({ flushInterval: 60_000 });
      queue.push(dockerEvent.start('a'));
      const barrier = queue.sync();
      queue.stop();
      await expect(barrier).rejects.toBeInstanceOf(QueueClosedError);
      await expect(queue.sync()).resolves.toBeUndefined();
    });
  });

  it('drain() waits for a running async flush and its retries', async () => {
    let tries = 0;
    const queue = new EventQueue({
      flushInterval: 1,
      retry: { maxRetries: 2, backoff: () => 5 },
      onFlush: async () => {
        tries++;
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (tries < 3) throw new Error('not yet');
      },
    });
    queue.push(dockerEvent.start('a'));
    await vi.waitFor(() => expect(tries).toBeGreaterThanOrEqual(1));
    await queue.drain();
    expect(tries).toBe(3);
    expect(queue.stats()).toMatchObject({
      flushed: 1,
      retried: 2,
      errors: 0,
      pending: 0,
      inFlight: 0,
    });
  });

  it('await using drains at the end of the scope', async () => {
    const flushed: (readonly Event[])[] = [];
    {
      await using queue = new EventQueue({
        flushInterval: 60_000,
        onFlush: (batch) => void flushed.push(batch),
      });
      queue.push(dockerEvent.start('a'));
    }
    expect(flushed).toHaveLength(1);
  });

  it('by default reports errors as process warnings', async () => {
    const warning = new Promise<Error>((resolve) => process.once('warning', resolve));
    const queue = new EventQueue({
      flushInterval: 1,
      onFlush: () => {
        throw new Error('nobody listens');
      },
    });
    queue.push(dockerEvent.start('a'));
    const reported = await warning;
    expect(reported).toBeInstanceOf(FlushError);
    expect(reported.message).toContain('nobody listens');
    await queue.drain();
  });
});

describe('EventQueue options', () => {
  it.each<[string, EventQueueOptions]>([
    ['flushInterval', { flushInterval: 0 }],
    ['flushInterval', { flushInterval: -5 }],
    ['flushInterval', { flushInterval: Number.NaN }],
    ['flushInterval', { flushInterval: Number.POSITIVE_INFINITY }],
    ['capacity', { capacity: 0 }],
    ['capacity', { capacity: 2.5 }],
    ['maxBatch', { maxBatch: 0 }],
    ['maxBatch', { maxBatch: 20, capacity: 10 }],
    ['overflow', { overflow: 'drop-everything' as never }],
    ['coalesce', { coalesce: 'yes' as never }],
    ['retry.maxRetries', { retry: { maxRetries: -1 } }],
    ['retry.maxRetries', { retry: { maxRetries: 1.5 } }],
    ['retry.max', { retry: { max: -1 } }],
    ['retry.max', { retry: { max: 1, maxRetries: 1 } }],
    ['retry.backoff', { retry: { backoff: 100 as never } }],
    ['onFlush', { onFlush: 'reload' as never }],
    ['onError', { onError: 42 as never }],
    ['debug', { debug: 'yes' as never }],
    ['scheduler', { scheduler: {} as never }],
    ['flushIntervall', { flushIntervall: 300 } as never],
    ['retry.attempts', { retry: { attempts: 3 } as never }],
  ])('rejects a bad %s with an OptionsError naming it', (option, options) => {
    let caught: unknown;
    try {
      new EventQueue(options).stop();
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(OptionsError);
    expect(caught).toMatchObject({ name: 'OptionsError', code: 'BATCHWATCH_BAD_OPTION', option });
    expect((caught as Error).message).toContain(option);
  });

  it('accepts Infinity for capacity and maxBatch', () => {
    expect(() =>
      new EventQueue({
        capacity: Number.POSITIVE_INFINITY,
        maxBatch: Number.POSITIVE_INFINITY,
      }).stop(),
    ).not.toThrow();
  });
});
