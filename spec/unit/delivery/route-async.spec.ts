import { asyncScheduler } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { route } from '../../../lib/delivery/route.ts';
import { byActionGroup, byType } from '../../../lib/delivery/route-key.ts';
import {
  DeadLetterError,
  HandlerTimeoutError,
  RouteKeyError,
  type RouterError,
} from '../../../lib/delivery/router-errors.ts';
import { CallbackError, type QueueError } from '../../../lib/errors.ts';
import type { Event } from '../../../lib/events/event.ts';
import { EventQueue } from '../../../lib/queue/event-queue.ts';
import { dockerEvent, fileEvent, trackTimers } from '../../../lib/testing/index.ts';

/** A promise with its resolve function, to hold a handler open for as long as a test needs. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

const names = (events: readonly Event[]): string[] => events.map((event) => event.actorName);

describe('route (real promises and timers)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('resolves once every part is handled or dead-lettered, and never rejects', async () => {
    const held = gate();
    const errors: RouterError[] = [];
    let settled = false;
    const onFlush = route({
      key: byType,
      handlers: {
        docker: async () => {
          await held.promise;
        },
        file: async () => {
          throw new Error('disk full');
        },
      },
      onError: (error) => errors.push(error),
    });
    const done = onFlush([dockerEvent.start('a'), fileEvent.written('/x')]).then(() => {
      settled = true;
    });
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    expect(settled).toBe(false);
    held.open();
    await done;
    expect(settled).toBe(true);
    expect(errors[0]).toMatchObject({ handler: 'file', cause: new Error('disk full') });
  });

  it('as an EventQueue onFlush: batches in order, failures go to the router, not the queue', async () => {
    const seen: string[][] = [];
    const routerErrors: RouterError[] = [];
    const queueErrors: QueueError[] = [];
    const queue = new EventQueue({
      flushInterval: 5,
      onFlush: route({
        key: byActionGroup,
        handlers: {
          'container-start': async (events) => {
            await new Promise((resolve) => setTimeout(resolve, 5));
            seen.push(names(events));
          },
          'container-stop': () => {
            throw 'not an Error';
          },
        },
        onError: (error) => routerErrors.push(error),
      }),
      onError: (error) => queueErrors.push(error),
    });
    queue.push(dockerEvent.start('a'));
    queue.push(dockerEvent.stop('b'));
    queue.push(dockerEvent.create('c'));
    await queue.sync();
    queue.push(dockerEvent.unpause('d'));
    await queue.sync();
    expect(seen).toEqual([['a', 'c'], ['d']]);
    expect(queueErrors).toEqual([]);
    expect(routerErrors).toHaveLength(1);
    expect(routerErrors[0]).toBeInstanceOf(DeadLetterError);
    expect(routerErrors[0]).toMatchObject({
      cause: 'not an Error',
      events: [dockerEvent.stop('b')],
    });
    expect(routerErrors[0]?.message).toContain('"not an Error"');
    await queue.drain();
  });

  it('passes a signal that aborts at the timeout, and leaves no real timer behind', async () => {
    const timers = trackTimers(asyncScheduler);
    const reasons: unknown[] = [];
    const errors: RouterError[] = [];
    const onFlush = route({
      key: () => 'slow',
      handlers: {
        slow: {
          handle: (_events, { signal }) =>
            new Promise((_resolve, reject) => {
              signal.addEventListener('abort', () => {
                reasons.push(signal.reason);
                reject(signal.reason);
              });
            }),
          timeout: 20,
          maxRetries: 1,
          retry: () => 10,
        },
      },
      onError: (error) => errors.push(error),
      scheduler: timers,
    });
    const started = Date.now();
    await onFlush([dockerEvent.start('a')]);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(45);
    expect(elapsed).toBeLessThan(2_000);
    expect(reasons).toHaveLength(2);
    expect(reasons.every((reason) => reason instanceof HandlerTimeoutError)).toBe(true);
    expect(errors).toMatchObject([{ attempts: 2, cause: { name: 'HandlerTimeoutError' } }]);
    expect(timers.active).toBe(0);
  });

  it('reports events whose key throws once per batch as a RouteKeyError; the others go on', async () => {
    const errors: RouterError[] = [];
    const handled: string[] = [];
    const onFlush = route({
      key: (event) => {
        if (event.actorName.startsWith('bad')) throw new Error('no key');
        return 'ok';
      },
      handlers: { ok: (events) => void handled.push(...names(events)) },
      onError: (error) => errors.push(error),
    });
    await onFlush([
      dockerEvent.start('bad1'),
      dockerEvent.start('good'),
      dockerEvent.start('bad2'),
    ]);
    expect(handled).toEqual(['good']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(RouteKeyError);
    expect(names((errors[0] as RouteKeyError).events)).toEqual(['bad1', 'bad2']);
    expect(onFlush.stats()).toMatchObject({ keyErrors: 2, handled: 1 });
  });

  it('counts events with no handler and no fallback as unrouted, and resolves at once', async () => {
    const onFlush = route({ key: byType, handlers: { file: () => {} } });
    await onFlush([dockerEvent.start('a'), dockerEvent.die('a')]);
    await onFlush([]);
    expect(onFlush.stats()).toMatchObject({ unrouted: 2, handled: 0, pending: 0 });
  });

  it('reports to process.emitWarning by default', async () => {
    const emitted: unknown[] = [];
    vi.spyOn(process, 'emitWarning').mockImplementation((warning) => void emitted.push(warning));
    const onFlush = route({
      key: byType,
      handlers: {
        docker: () => {
          throw new Error('boom');
        },
      },
    });
    await onFlush([dockerEvent.start('a')]);
    expect(emitted).toHaveLength(1);
    expect(emitted[0]).toBeInstanceOf(DeadLetterError);
  });

  it('re-throws asynchronously when onError itself throws, and still resolves', async () => {
    const thrown: unknown[] = [];
    const scheduler = {
      now: () => Date.now(),
      schedule: (work: () => void) => {
        try {
          work();
        } catch (err) {
          thrown.push(err);
        }
        return { unsubscribe() {} };
      },
    };
    const onFlush = route({
      key: byType,
      handlers: {
        docker: () => {
          throw new Error('boom');
        },
      },
      onError: () => {
        throw new Error('onError broke');
      },
      scheduler: scheduler as never,
    });
    await expect(onFlush([dockerEvent.start('a')])).resolves.toBeUndefined();
    expect(thrown).toHaveLength(1);
    expect(thrown[0]).toBeInstanceOf(CallbackError);
    expect(thrown[0]).toMatchObject({
      callback: 'onError',
      cause: new Error('onError broke'),
      message: expect.stringContaining('onError threw Error: onError broke while handling'),
    });
  });
});
