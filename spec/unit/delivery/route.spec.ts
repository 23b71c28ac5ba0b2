import { finalize, mergeMap, NEVER, Observable, throwError, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type Router, route } from '../../../lib/delivery/route.ts';
import { byActionGroup } from '../../../lib/delivery/route-key.ts';
import type { RouteOptions } from '../../../lib/delivery/route-options.ts';
import {
  DeadLetterError,
  HandlerTimeoutError,
  RouterClosedError,
  type RouterError,
} from '../../../lib/delivery/router-errors.ts';
import type { Event } from '../../../lib/events/event.ts';
import {
  dockerEvent,
  fileEvent,
  forceReload,
  type VirtualTime,
} from '../../../lib/testing/index.ts';
import { marbles } from '../../support/marbles.ts';

const start = dockerEvent.start('web');
const create = dockerEvent.create('db');
const stop = dockerEvent.stop('web');
const pause = dockerEvent.pause('db');
const written = fileEvent.written('/etc/a.yml');
const reload = forceReload('docker');

/** Every call of a handler: when, which try, and the names of its events. */
interface Call {
  readonly at: number;
  readonly attempt: number;
  readonly names: string[];
}

function router(vt: VirtualTime, options: Omit<RouteOptions, 'scheduler'>): Router {
  return route({ ...options, scheduler: vt.timers });
}

/** A handler that records its calls and takes `frames` of virtual time; `fail(attempt)` makes a try error. */
function handler(
  vt: VirtualTime,
  calls: Call[],
  frames: number,
  fail: (attempt: number) => boolean = () => false,
) {
  return (events: readonly Event[], context: { attempt: number }) => {
    calls.push({
      at: vt.testScheduler.now(),
      attempt: context.attempt,
      names: events.map((event) => event.actorName),
    });
    if (fail(context.attempt)) {
      return timer(frames).pipe(
        mergeMap(() => throwError(() => new Error(`try ${context.attempt} failed`))),
      );
    }
    return timer(frames);
  };
}

describe('route (virtual time)', () => {
  it('splits a batch by key, keeps arrival order, runs handlers side by side', () => {
    const starts: Call[] = [];
    const stops: Call[] = [];
    const files: Call[] = [];
    let stats: ReturnType<Router['stats']> | undefined;
    marbles((vt) => {
      const onFlush = router(vt, {
        key: byActionGroup,
        handlers: {
          'container-start': handler(vt, starts, 5),
          'container-stop': handler(vt, stops, 3),
          file: handler(vt, files, 1),
        },
      });
      vt.at(0, () => void onFlush([start, written, stop, create, pause, reload]));
      vt.at(2, () => expect(onFlush.stats().pending).toBe(2));
      vt.at(6, () => {
        stats = onFlush.stats();
        expect(vt.timers.active).toBe(0);
      });
    });
    expect(starts).toEqual([{ at: 0, attempt: 1, names: ['web', 'db'] }]);
    expect(stops).toEqual([{ at: 0, attempt: 1, names: ['web'] }]);
    expect(files).toEqual([{ at: 0, attempt: 1, names: ['/etc/a.yml'] }]);
    expect(stats).toEqual({
      handled: 4,
      unrouted: 2,
      deadLettered: 0,
      keyErrors: 0,
      retried: 0,
      timedOut: 0,
      pending: 0,
    });
  });

  it('never runs two parts for one handler at once: a later batch waits, in order', () => {
    const calls: Call[] = [];
    let running = 0;
    let maxRunning = 0;
    marbles((vt) => {
      const onFlush = router(vt, {
        key: () => 'all',
        handlers: {
          all: (events) => {
            calls.push({
              at: vt.testScheduler.now(),
              attempt: 1,
              names: events.map((e) => e.actorName),
            });
            maxRunning = Math.max(maxRunning, ++running);
            return timer(5).pipe(finalize(() => running--));
          },
        },
      });
      vt.at(0, () => void onFlush([start]));
      vt.at(2, () => void onFlush([stop]));
      vt.at(3, () => void onFlush([pause]));
    });
    expect(calls.map(({ at, names }) => [at, names])).toEqual([
      [0, ['web']],
      [5, ['web']],
      [10, ['db']],
    ]);
    expect(maxRunning).toBe(1);
  });

  it('retries a failing part with its backoff, while the other handlers go on', () => {
    const flaky: Call[] = [];
    const steady: Call[] = [];
    const errors: RouterError[] = [];
    marbles((vt) => {
      const onFlush = router(vt, {
        key: (event) => event.type,
        handlers: {
          docker: {
            handle: handler(vt, flaky, 2, (attempt) => attempt < 3),
            maxRetries: 2,
            retry: (attempt) => attempt * 10,
          },
          file: handler(vt, steady, 1),
        },
        onError: (error) => errors.push(error),
      });
      vt.at(0, () => void onFlush([start, written]));
      vt.at(37, () => {
        expect(onFlush.stats()).toMatchObject({ handled: 2, retried: 2, pending: 0 });
        expect(vt.timers.active).toBe(0);
      });
    });
    // try 1 at 0 fails at 2, waits 10; try 2 at 12 fails at 14, waits 20; try 3 at 34.
    expect(flaky.map(({ at, attempt }) => [at, attempt])).toEqual([
      [0, 1],
      [12, 2],
      [34, 3],
    ]);
    expect(steady.map(({ at }) => at)).toEqual([0]);
    expect(errors).toEqual([]);
  });

  it('reports a part that fails on every try once, as a DeadLetterError with its events', () => {
    const errors: RouterError[] = [];
    const others: Call[] = [];
    marbles((vt) => {
      const onFlush = router(vt, {
        key: (event) => event.type,
        handlers: { docker: handler(vt, [], 1, () => true), file: handler(vt, others, 1) },
        maxRetries: 1,
        retry: () => 3,
        onError: (error) => errors.push(error),
      });
      vt.at(0, () => void onFlush([start, written, stop]));
      vt.at(10, () => {
        expect(onFlush.stats()).toMatchObject({ handled: 1, deadLettered: 2, retried: 1 });
        expect(vt.timers.active).toBe(0);
      });
    });
    expect(errors).toHaveLength(1);
    const letter = errors[0] as DeadLetterError;
    expect(letter).toBeInstanceOf(DeadLetterError);
    expect(letter).toMatchObject({
      name: 'DeadLetterError',
      code: 'BATCHWATCH_DEAD_LETTER',
      handler: 'docker',
      events: [start, stop],
      attempts: 2,
      cause: new Error('try 2 failed'),
    });
    expect(letter.message).toContain('"docker" failed for 2 event(s) (tried 2 times)');
    expect(others).toHaveLength(1);
  });

  it('aborts a try at its timeout, unsubscribes it, retries, then dead-letters with the timeout', () => {
    const errors: RouterError[] = [];
    const signals: AbortSignal[] = [];
    let stats: ReturnType<Router['stats']> | undefined;
    marbles((vt) => {
      const hanging = vt.cold('-');
      const onFlush = router(vt, {
        key: () => 'slow',
        handlers: {
          slow: {
            handle: (_events, { signal }) => {
              signals.push(signal);
              return hanging;
            },
            timeout: 5,
            maxRetries: 1,
            retry: () => 2,
          },
        },
        onError: (error) => errors.push(error),
      });
      vt.at(0, () => void onFlush([start]));
      vt.expectSubscriptions(hanging.subscriptions).toBe(['^----!', '-------^----!']);
      vt.at(13, () => {
        stats = onFlush.stats();
        expect(vt.timers.active).toBe(0);
      });
    });
    expect(signals.map((signal) => signal.aborted)).toEqual([true, true]);
    expect(signals[0]?.reason).toBeInstanceOf(HandlerTimeoutError);
    expect(signals[0]?.reason).toMatchObject({ handler: 'slow', timeout: 5, attempt: 1 });
    expect(errors).toMatchObject([
      { name: 'DeadLetterError', attempts: 2, cause: { name: 'HandlerTimeoutError', attempt: 2 } },
    ]);
    expect(stats).toMatchObject({ timedOut: 2, retried: 1, deadLettered: 1, pending: 0 });
  });

  it('keeps the timeout as the cause when the handler fails on its own abort', () => {
    const errors: RouterError[] = [];
    marbles((vt) => {
      const onFlush = router(vt, {
        key: () => 'x',
        handlers: {
          x: (_events, { signal }) =>
            new Observable((subscriber) => {
              signal.addEventListener('abort', () => subscriber.error(new Error('aborted')));
            }),
        },
        timeout: 4,
        onError: (error) => errors.push(error),
      });
      vt.at(0, () => void onFlush([start]));
    });
    expect(errors).toMatchObject([{ attempts: 1, cause: { name: 'HandlerTimeoutError' } }]);
  });

  it('sends events without a handler to the fallback, as one part in arrival order', () => {
    const fallback: Call[] = [];
    marbles((vt) => {
      const onFlush = router(vt, {
        key: byActionGroup,
        handlers: { file: handler(vt, [], 1) },
        fallback: handler(vt, fallback, 1),
      });
      vt.at(0, () => void onFlush([start, written, reload, pause]));
      vt.at(2, () => expect(onFlush.stats()).toMatchObject({ handled: 4, unrouted: 0 }));
    });
    expect(fallback).toEqual([{ at: 0, attempt: 1, names: ['web', '', 'db'] }]);
  });

  it('close() gives up running and waiting parts as dead letters and leaves no timer', () => {
    const errors: RouterError[] = [];
    const signals: AbortSignal[] = [];
    marbles((vt) => {
      const onFlush = router(vt, {
        key: (event) => event.type,
        handlers: {
          docker: (_events, { signal }) => {
            signals.push(signal);
            return NEVER;
          },
          file: {
            handle: handler(vt, [], 1, () => true),
            maxRetries: 4,
            retry: () => 50,
          },
        },
        timeout: 1000,
        onError: (error) => errors.push(error),
      });
      vt.at(0, () => void onFlush([start, written]));
      vt.at(1, () => void onFlush([stop]));
      vt.at(3, () => {
        expect(vt.timers.active).toBe(2); // docker's timeout, file's backoff
        const closing = onFlush.close();
        expect(onFlush.close()).toBe(closing);
        expect(onFlush[Symbol.asyncDispose]()).toBe(closing);
        expect(vt.timers.active).toBe(0);
        expect(onFlush.stats().pending).toBe(0);
        void onFlush([pause]);
      });
    });
    expect(signals[0]?.reason).toBeInstanceOf(RouterClosedError);
    expect(errors.map((error) => error.constructor)).toEqual(Array(4).fill(DeadLetterError));
    expect(
      errors.map((error) => {
        const letter = error as DeadLetterError;
        return [letter.handler, letter.attempts, letter.events.map((e) => e.actorName)];
      }),
    ).toEqual([
      ['docker', 1, ['web']],
      ['docker', 0, ['web']],
      ['file', 1, ['/etc/a.yml']],
      ['docker', 0, ['db']],
    ]);
    expect(errors.every((error) => error.cause instanceof RouterClosedError)).toBe(true);
  });
});
