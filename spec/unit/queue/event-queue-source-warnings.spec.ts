// Source warnings reach the queue's owner without subscribing to every source (GoDoxy's error
// channel): onWarning when given, else onError as a SourceWarning.
import { type Observable, type SchedulerLike, Subject, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  BatchwatchError,
  CallbackError,
  type Event,
  EventQueue,
  type QueueError,
  type QueueSource,
  SourceWarning,
} from '../../../lib/index.ts';
import { dockerEvent } from '../../../lib/testing/index.ts';
import { marbles } from '../../support/marbles.ts';

const a = dockerEvent.start('a');
const reconnect = new BatchwatchError('reconnecting');
const malformed = new BatchwatchError('malformed line');

/** A source object shaped like batchwatch's own: events, plus warnings on `warnings$`. */
function withWarnings(events: Observable<Event>, warnings$: Observable<unknown>): QueueSource {
  return { subscribe: (observer) => events.subscribe(observer), warnings$ };
}

describe('EventQueue source warnings', () => {
  it('go to onError as SourceWarnings (with the source and the warning) when there is no onWarning', () => {
    const errors: QueueError[] = [];
    let errorCount = 0;
    marbles(({ cold, hot, queue, at }) => {
      const q = queue({ flushInterval: 5, onError: (error) => errors.push(error) });
      q.start(
        cold('a', { a }),
        withWarnings(cold<Event>('-'), hot('--r--m', { r: reconnect, m: malformed })),
      );
      at(6, () => {
        errorCount = q.stats().errors;
      });
    });
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBeInstanceOf(SourceWarning);
    expect(errors[0]).toMatchObject({
      name: 'SourceWarning',
      code: 'BATCHWATCH_SOURCE_WARNING',
      sourceIndex: 1,
      warning: reconnect,
      cause: reconnect,
    });
    expect(errors[0]?.message).toContain('reconnecting');
    expect(errors[1]).toMatchObject({ sourceIndex: 1, warning: malformed });
    expect(errorCount).toBe(2);
  });

  it('go to onWarning with the source index when it is given, and not to onError', () => {
    const errors: QueueError[] = [];
    const warnings: [unknown, number][] = [];
    marbles(({ cold, hot, queue }) => {
      const q = queue({
        flushInterval: 5,
        onError: (error) => errors.push(error),
        onWarning: (warning, sourceIndex) => warnings.push([warning, sourceIndex]),
      });
      q.start(withWarnings(cold('a', { a }), hot('-r', { r: reconnect })));
    });
    expect(warnings).toEqual([[reconnect, 0]]);
    expect(errors).toEqual([]);
  });

  it('are followed from the source subscription on, and released with the source', () => {
    marbles(({ cold, hot, expectSubscriptions, queue, at }) => {
      const q = queue({ flushInterval: 5, onWarning: () => {} });
      const events = cold('a--|', { a });
      const warnings = hot('-r-r-r', { r: reconnect });
      const stopped = cold<Event>('-');
      const stoppedWarnings = hot('-r', { r: reconnect });
      at(1, () => {
        q.start(withWarnings(events, warnings));
        q.start(withWarnings(stopped, stoppedWarnings));
      });
      at(6, () => q.stop());
      // The first source completes at 4: its warnings go with it. The second lasts until stop().
      expectSubscriptions(warnings.subscriptions).toBe('-^--!');
      expectSubscriptions(stoppedWarnings.subscriptions).toBe('-^----!');
    });
  });

  it('are subscribed before the source, so that a warning raised while subscribing is kept', () => {
    const warnings: unknown[] = [];
    const warnings$ = new Subject<unknown>();
    const source: QueueSource = {
      subscribe: (observer) => {
        warnings$.next(reconnect);
        return new Subject<Event>().subscribe(observer);
      },
      warnings$,
    };
    marbles(({ queue }) => {
      queue({ onWarning: (warning) => warnings.push(warning) }).start(source);
    });
    expect(warnings).toEqual([reconnect]);
  });

  it('an onWarning that throws is re-thrown asynchronously as a CallbackError, and the queue goes on', () => {
    const virtual = new VirtualTimeScheduler();
    const thrown: unknown[] = [];
    // Virtual time that keeps what the queue throws asynchronously, so that the run goes on.
    const scheduler = {
      now: () => virtual.now(),
      schedule: (work: (state?: unknown) => void, delay?: number, state?: unknown) =>
        virtual.schedule(
          (value) => {
            try {
              work(value);
            } catch (err) {
              thrown.push(err);
            }
          },
          delay,
          state,
        ),
    } as SchedulerLike;
    const flushed: (readonly Event[])[] = [];
    const events$ = new Subject<Event>();
    const warnings$ = new Subject<unknown>();
    const q = new EventQueue({
      scheduler,
      flushInterval: 2,
      onFlush: (batch) => void flushed.push(batch),
      onWarning: () => {
        throw new Error('listener broke');
      },
    });
    q.start(withWarnings(events$, warnings$));
    warnings$.next(reconnect);
    events$.next(a);
    virtual.flush();
    expect(thrown).toHaveLength(1);
    expect(thrown[0]).toBeInstanceOf(CallbackError);
    expect(thrown[0]).toMatchObject({ callback: 'onWarning', handling: reconnect });
    expect(flushed).toEqual([[a]]);
    q.stop();
  });

  it('are not re-thrown in debug mode (they are not failures)', () => {
    const errors: QueueError[] = [];
    expect(() =>
      marbles(({ cold, hot, queue }) => {
        const q = queue({ debug: true, onError: (error) => errors.push(error) });
        q.start(withWarnings(cold<Event>('-'), hot('-r', { r: reconnect })));
      }),
    ).not.toThrow();
    expect(errors).toMatchObject([{ name: 'SourceWarning' }]);
  });
});
