// sync(): a barrier that resolves once every event received before the call is settled.
import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { EventQueue, QueueClosedError } from '../../../lib/index.ts';
import { dockerEvent, fileEvent } from '../../../lib/testing/index.ts';

/** A promise with its resolve function, to hold a flush open for as long as a test needs. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Resolves once the microtask queue is empty: every settled promise has run its reactions. */
function everyPromiseReaction(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('EventQueue sync()', () => {
  it('resolves at once when nothing is pending', async () => {
    const queue = new EventQueue({ flushInterval: 1000 });
    await expect(queue.sync()).resolves.toBeUndefined();
    queue.stop();
  });

  it('waits for events received before the call, not for later ones', async () => {
    const virtual = new VirtualTimeScheduler();
    const advanceTo = (frame: number): void => {
      virtual.maxFrames = frame;
      virtual.flush();
    };
    const held = gate();
    const seen: string[] = [];
    const queue = new EventQueue({
      scheduler: virtual,
      flushInterval: 1,
      onFlush: async (batch) => {
        seen.push(...batch.map((event) => event.actorName));
        if (seen.length === 1) await held.promise;
      },
    });
    queue.push(dockerEvent.start('before'));
    advanceTo(1);
    expect(seen).toEqual(['before']);
    const barrier = queue.sync();
    let passed = false;
    void barrier.then(() => {
      passed = true;
    });
    queue.push(dockerEvent.start('after'));
    // Every timer up to frame 100 has run ('after' is due) and every promise reaction has run:
    // only the held flush keeps the barrier closed.
    advanceTo(100);
    await everyPromiseReaction();
    expect(passed).toBe(false);
    expect(queue.stats()).toMatchObject({ inFlight: 1, pending: 1 });
    held.open();
    await barrier;
    expect(seen).toEqual(['before', 'after']);
    await queue.drain();
    expect(virtual.actions).toHaveLength(0);
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
