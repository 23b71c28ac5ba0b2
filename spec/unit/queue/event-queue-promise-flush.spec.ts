// Promise handlers (real time): one at a time, failures reported, and the default onError.
import { describe, expect, it, vi } from 'vitest';
import { type Event, EventQueue, FlushError, type QueueError } from '../../../lib/index.ts';
import { dockerEvent } from '../../../lib/testing/index.ts';

/** A promise with its resolve function, to hold a flush open for as long as a test needs. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe('EventQueue with promise handlers', () => {
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
