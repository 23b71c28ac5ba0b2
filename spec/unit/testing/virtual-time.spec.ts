// virtualTime(): marble tests of queues, with virtual time that costs no real time.
import { describe, expect, it } from 'vitest';
import { dockerEvent, virtualTime } from '../../../lib/testing/index.ts';

describe('virtualTime', () => {
  it('runs a queue in virtual time: a 300 ms window passes within the synchronous run', () => {
    const a = dockerEvent.start('a');
    const flushedAt: number[] = [];
    virtualTime(({ cold, expectObservable, queue, testScheduler }) => {
      const q = queue({
        flushInterval: 300,
        onFlush: () => void flushedAt.push(testScheduler.now()),
      });
      q.start(cold('a', { a }));
      expectObservable(q.flushes$).toBe('300ms x', { x: [a] });
    });
    // virtualTime() has returned: the flush already happened, at virtual frame 300 exactly.
    expect(flushedAt).toEqual([300]);
  });

  it('fails the run when a marble expectation does not hold', () => {
    const a = dockerEvent.start('a');
    expect(() =>
      virtualTime(({ cold, expectObservable, queue }) => {
        const q = queue({ flushInterval: 3 });
        q.start(cold('a', { a }));
        expectObservable(q.flushes$).toBe('--x', { x: [a] });
      }),
    ).toThrow();
  });
});
