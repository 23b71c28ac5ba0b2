// Whatever onFlush, onError, the retry backoff or a coalesce key do, the queue reports it once and goes on.
import { describe, expect, it, vi } from 'vitest';
import {
  CallbackError,
  type Event,
  EventQueue,
  FlushError,
  type QueueError,
} from '../../../lib/index.ts';
import { dockerEvent } from '../../../lib/testing/index.ts';
import { hostileCases } from '../../support/hostile.ts';

/** A scheduler that runs work at once and keeps what it throws (the queue's async re-throws). */
function catchingScheduler(): { scheduler: never; thrown: unknown[] } {
  const thrown: unknown[] = [];
  const scheduler = {
    now: () => Date.now(),
    schedule: (work: () => void, delay = 0) => {
      const timer = setTimeout(() => {
        try {
          work();
        } catch (err) {
          thrown.push(err);
        }
      }, delay);
      return { unsubscribe: () => clearTimeout(timer) };
    },
  };
  return { scheduler: scheduler as never, thrown };
}

describe('EventQueue: any failure of onFlush is one onError call, and the queue goes on', () => {
  const cases = hostileCases();

  it('covers at least 24 kinds of failing onFlush', () => {
    expect(cases.length).toBeGreaterThanOrEqual(24);
  });

  it.each(cases)('onFlush $name', async ({ run }) => {
    const errors: QueueError[] = [];
    const flushed: (readonly Event[])[] = [];
    let calls = 0;
    const { scheduler, thrown } = catchingScheduler();
    const queue = new EventQueue({
      flushInterval: 1,
      scheduler,
      onFlush: (batch) => {
        calls++;
        if (calls === 1) return run() as undefined;
        flushed.push(batch);
      },
      onError: (error) => errors.push(error),
    });
    queue.push(dockerEvent.start('bad'));
    await queue.sync();
    expect(errors).toHaveLength(1);
    const error = errors[0] as FlushError;
    expect(error).toBeInstanceOf(FlushError);
    expect(error.message).toMatch(/^onFlush failed for a batch of 1 event\(s\) \(tried once\): /);
    expect(error).toHaveProperty('cause');
    queue.push(dockerEvent.start('good'));
    await queue.sync();
    expect(flushed.map((batch) => batch.map((event) => event.actorName))).toEqual([['good']]);
    await queue.drain();
    expect(queue.stats()).toMatchObject({ errors: 1, deadLettered: 1, flushed: 1, pending: 0 });
    expect(thrown).toEqual([]);
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['an Error', new Error('onError broke')],
  ])('says what threw when onError itself throws %s', async (_name, value) => {
    const { scheduler, thrown } = catchingScheduler();
    const queue = new EventQueue({
      flushInterval: 1,
      scheduler,
      onFlush: () => {
        throw new Error('flush');
      },
      onError: () => {
        throw value;
      },
    });
    queue.push(dockerEvent.start('a'));
    await queue.sync();
    await queue.drain();
    await vi.waitFor(() => expect(thrown).toHaveLength(1));
    expect(thrown[0]).toBeInstanceOf(CallbackError);
    expect(thrown[0]).toMatchObject({ callback: 'onError', cause: value });
    expect((thrown[0] as Error).message).toContain('onError threw');
    expect((thrown[0] as Error).message).toContain('while handling FlushError: onFlush failed');
  });

  it('survives a retry backoff that throws: the batch is dead-lettered with the flush cause', async () => {
    const errors: QueueError[] = [];
    const queue = new EventQueue({
      flushInterval: 1,
      retry: {
        maxRetries: 2,
        backoff: () => {
          throw null;
        },
      },
      onFlush: () => {
        throw new Error('flush');
      },
      onError: (error) => errors.push(error),
    });
    queue.push(dockerEvent.start('a'));
    await queue.sync();
    expect(errors).toMatchObject([{ name: 'FlushError', cause: new Error('flush') }]);
    await queue.drain();
  });

  it('keeps apart, never loses, events whose coalesce key throws', async () => {
    const flushed: (readonly Event[])[] = [];
    const queue = new EventQueue({
      flushInterval: 1,
      coalesce: (event) => {
        if (event.actorName === 'bad') throw null;
        return event.actorName;
      },
      onFlush: (batch) => {
        flushed.push(batch);
      },
    });
    queue.push(dockerEvent.start('bad'));
    queue.push(dockerEvent.start('bad'));
    queue.push(dockerEvent.start('good'));
    await queue.drain();
    expect(flushed.flat().map((event) => event.actorName)).toEqual(['bad', 'bad', 'good']);
  });
});
