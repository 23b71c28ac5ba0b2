import { deepStrictEqual } from 'node:assert';
import type { RunHelpers } from 'rxjs/testing';
import { TestScheduler } from 'rxjs/testing';
import { EventQueue } from '../queue/event-queue.ts';
import type { EventQueueOptions } from '../queue/event-queue-options.ts';
import { type TrackedScheduler, trackTimers } from './track-timers.ts';

/** What {@link virtualTime} hands the test: RxJS's marble helpers, plus queue helpers. */
export interface VirtualTime extends RunHelpers {
  /** The TestScheduler driving the run. */
  readonly testScheduler: TestScheduler;
  /** The scheduler queues made with `queue()` use: virtual time, counting live timers. */
  readonly timers: TrackedScheduler;
  /** An EventQueue on virtual time (`scheduler` set to `timers`). */
  queue(options?: EventQueueOptions): EventQueue;
  /** Runs `check` at virtual frame `frame` (for example, to assert `timers.active`). */
  at(frame: number, check: () => void): void;
}

/**
 * Runs `body` in virtual time with RxJS's `TestScheduler`: a 300 ms flush
 * interval passes instantly and exactly. Marble assertions are compared with
 * `assertDeepEqual` (default: `node:assert`'s `deepStrictEqual`).
 *
 * @example
 * virtualTime(({ cold, expectObservable, queue }) => {
 *   const q = queue({ flushInterval: 5 });
 *   q.start(cold('a-b', { a, b }));
 *   expectObservable(q.flushes$).toBe('-----x', { x: [a, b] });
 * });
 */
export function virtualTime<T>(
  body: (vt: VirtualTime) => T,
  assertDeepEqual: (actual: unknown, expected: unknown) => void = deepStrictEqual,
): T {
  const testScheduler = new TestScheduler(assertDeepEqual);
  return testScheduler.run((helpers) => {
    const timers = trackTimers(testScheduler);
    return body({
      ...helpers,
      testScheduler,
      timers,
      queue: (options = {}) => new EventQueue({ scheduler: timers, ...options }),
      at: (frame, check) => {
        testScheduler.schedule(check, frame);
      },
    });
  });
}
