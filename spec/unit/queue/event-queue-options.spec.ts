// Options are validated when the queue is made: an OptionsError names the bad one.
import { describe, expect, it } from 'vitest';
import { EventQueue, type EventQueueOptions, OptionsError } from '../../../lib/index.ts';

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
