// A failing onFlush becomes one onError call and the queue goes on; debug mode and a throwing onError crash loudly.
import { throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { FlushError, type QueueError } from '../../../lib/index.ts';
import { marbles } from '../../support/marbles.ts';
import { a, b, values } from './marble-events.ts';

describe('EventQueue: a failed flush', () => {
  it.each([
    [
      'a thrown Error',
      () => {
        throw new Error('boom');
      },
      'boom',
    ],
    [
      'a thrown string',
      () => {
        throw 'boom';
      },
      'boom',
    ],
    ['an Observable that errors', () => throwError(() => new Error('boom')), 'boom'],
  ])('reports %s as one FlushError carrying the cause, then goes on', (_name, failing, message) => {
    const errors: QueueError[] = [];
    let calls = 0;
    marbles(({ cold, expectObservable, expectSubscriptions, queue }) => {
      const q = queue({
        flushInterval: 2,
        onFlush: () => (calls++ === 0 ? failing() : undefined),
        onError: (error) => errors.push(error),
      });
      const source = cold('a---b', values);
      q.start(source);
      expectSubscriptions(source.subscriptions).toBe('^');
      expectObservable(q.flushes$).toBe('------y', { y: [b] });
    });
    expect(errors).toHaveLength(1);
    const error = errors[0] as FlushError;
    expect(error).toBeInstanceOf(FlushError);
    expect(error).toMatchObject({
      name: 'FlushError',
      code: 'BATCHWATCH_FLUSH_FAILED',
      attempts: 1,
      batch: [a],
    });
    expect(String(error.cause)).toContain(message);
    expect(error.message).toContain(message);
  });

  it('in debug mode also re-throws the error asynchronously, after onError', () => {
    const errors: QueueError[] = [];
    expect(() =>
      marbles(({ cold, expectSubscriptions, queue }) => {
        const q = queue({
          flushInterval: 1,
          debug: true,
          onFlush: () => {
            throw new Error('loud');
          },
          onError: (error) => errors.push(error),
        });
        const source = cold('a', values);
        q.start(source);
        expectSubscriptions(source.subscriptions).toBe('^');
      }),
    ).toThrow(FlushError);
    expect(errors).toHaveLength(1);
  });

  it('re-throws asynchronously when onError itself throws, instead of losing the error', () => {
    expect(() =>
      marbles(({ cold, expectSubscriptions, queue }) => {
        const q = queue({
          flushInterval: 1,
          onFlush: () => {
            throw new Error('flush');
          },
          onError: () => {
            throw new Error('handler broke');
          },
        });
        const source = cold('a', values);
        q.start(source);
        expectSubscriptions(source.subscriptions).toBe('^');
      }),
    ).toThrow('handler broke');
  });
});
