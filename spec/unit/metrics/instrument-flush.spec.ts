import { Registry } from 'prom-client';
import { Observable, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { OptionsError, type QueueError } from '../../../lib/errors.ts';
import type { Event } from '../../../lib/events/event.ts';
import { instrumentFlush } from '../../../lib/metrics/instrument-flush.ts';
import { queueMetrics } from '../../../lib/metrics/queue-metrics.ts';
import { EventQueue } from '../../../lib/queue/event-queue.ts';
import { dockerEvent } from '../../../lib/testing/index.ts';
import type { Family } from './prometheus-text.ts';
import { sampleValue } from './prometheus-text.ts';
import { manualClock, scrape } from './support.ts';

const name = 'batchwatch_queue_flush_duration_seconds';
const batch: readonly Event[] = [dockerEvent.start('a')];

/** A clock the test moves by hand, in ms. */
function fakeNow(): { now: () => number; advance: (ms: number) => void } {
  let t = 1000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

function outcome(families: Map<string, Family>, which: 'success' | 'failure') {
  return {
    count: sampleValue(families, `${name}_count`, { outcome: which }),
    sum: sampleValue(families, `${name}_sum`, { outcome: which }),
  };
}

describe('instrumentFlush', () => {
  it('times a synchronous handler and passes its result through', async () => {
    const registry = new Registry();
    const clock = fakeNow();
    const seen: (readonly Event[])[] = [];
    const onFlush = instrumentFlush(
      (events) => {
        seen.push(events);
        clock.advance(30);
      },
      { registry, now: clock.now },
    );
    expect(onFlush(batch)).toBeUndefined();
    expect(seen).toEqual([batch]);
    const families = await scrape(registry);
    expect(families.get(name)?.type).toBe('histogram');
    expect(outcome(families, 'success')).toEqual({ count: 1, sum: 0.03 });
    expect(outcome(families, 'failure')).toEqual({ count: 0, sum: 0 });
    expect(sampleValue(families, `${name}_bucket`, { outcome: 'success', le: '0.025' })).toBe(0);
    expect(sampleValue(families, `${name}_bucket`, { outcome: 'success', le: '0.05' })).toBe(1);
  });

  it('records a throw as a failure and rethrows the same error', async () => {
    const registry = new Registry();
    const boom = new Error('boom');
    const onFlush = instrumentFlush(
      () => {
        throw boom;
      },
      { registry },
    );
    expect(() => onFlush(batch)).toThrow(boom);
    expect(outcome(await scrape(registry), 'failure').count).toBe(1);
  });

  it('times a promise until it settles, and passes its value or rejection through', async () => {
    const registry = new Registry();
    const clock = fakeNow();
    let settle: { resolve: (v: string) => void; reject: (e: Error) => void } | undefined;
    const onFlush = instrumentFlush(
      () =>
        new Promise<string>((resolve, reject) => {
          settle = { resolve, reject };
        }),
      { registry, now: clock.now },
    );
    const ok = onFlush(batch) as PromiseLike<unknown>;
    clock.advance(1500);
    settle?.resolve('done');
    await expect(ok).resolves.toBe('done');
    const failed = onFlush(batch) as PromiseLike<unknown>;
    clock.advance(20);
    const cause = new Error('nope');
    settle?.reject(cause);
    await expect(failed).rejects.toBe(cause);
    const families = await scrape(registry);
    expect(outcome(families, 'success')).toEqual({ count: 1, sum: 1.5 });
    expect(outcome(families, 'failure')).toEqual({ count: 1, sum: 0.02 });
  });

  it('times an Observable until it ends, and records nothing for a try that is unsubscribed', async () => {
    const registry = new Registry();
    const clock = fakeNow();
    const results: Subject<number>[] = [];
    const onFlush = instrumentFlush(
      () => {
        const result = new Subject<number>();
        results.push(result);
        return result;
      },
      { registry, now: clock.now },
    );
    const values: number[] = [];
    const run = (): { completed: boolean; error: unknown; stop: () => void } => {
      const state = { completed: false, error: undefined as unknown, stop: () => {} };
      const subscription = (onFlush(batch) as Observable<number>).subscribe({
        next: (value) => values.push(value),
        complete: () => {
          state.completed = true;
        },
        error: (err: unknown) => {
          state.error = err;
        },
      });
      state.stop = () => subscription.unsubscribe();
      return state;
    };
    const first = run();
    clock.advance(100);
    results[0]?.next(7);
    results[0]?.complete();
    const second = run();
    clock.advance(200);
    const cause = new Error('stream failed');
    results[1]?.error(cause);
    const third = run();
    third.stop();
    expect(results[2]?.observed).toBe(false); // the unsubscribe reached the handler's Observable
    expect(values).toEqual([7]);
    expect(first.completed).toBe(true);
    expect(second.error).toBe(cause);
    const families = await scrape(registry);
    expect(outcome(families, 'success')).toEqual({ count: 1, sum: 0.1 });
    expect(outcome(families, 'failure')).toEqual({ count: 1, sum: 0.2 });
  });

  it('times every try of a real queue with retries, next to queueMetrics on one registry', async () => {
    const clock = manualClock();
    const registry = new Registry();
    const errors: QueueError[] = [];
    let tries = 0;
    const onFlush = instrumentFlush(
      () =>
        new Observable<never>((subscriber) => {
          tries++;
          const fail = tries <= 2;
          // Each try takes 40 ms of the queue's own (virtual) time.
          return clock.scheduler.schedule(() => {
            if (fail) subscriber.error(new Error(`try ${tries} failed`));
            else subscriber.complete();
          }, 40);
        }),
      { registry, now: () => clock.scheduler.now() },
    );
    const queue = new EventQueue({
      flushInterval: 100,
      scheduler: clock.scheduler,
      onFlush,
      maxRetries: 2,
      retry: () => 10,
      onError: (error) => errors.push(error),
    });
    queueMetrics(queue, { registry });
    queue.push(dockerEvent.start('a'));
    queue.push(dockerEvent.start('b'));
    clock.advance(100 + 40 + 10 + 40 + 10 + 40);
    const families = await scrape(registry);
    expect(errors).toEqual([]);
    expect(outcome(families, 'failure')).toEqual({ count: 2, sum: 0.08 });
    expect(outcome(families, 'success')).toEqual({ count: 1, sum: 0.04 });
    expect(sampleValue(families, 'batchwatch_queue_retries_total')).toBe(2);
    expect(sampleValue(families, 'batchwatch_queue_events_flushed_total', { type: 'docker' })).toBe(
      2,
    );
    queue.stop();
  });

  it('after unregister() still calls the handler but records nothing and leaves no series', async () => {
    const registry = new Registry();
    let calls = 0;
    const onFlush = instrumentFlush(
      () => {
        calls++;
      },
      { registry },
    );
    onFlush(batch);
    onFlush.unregister();
    expect(registry.getMetricsAsArray()).toEqual([]);
    onFlush(batch);
    expect(calls).toBe(2);
    expect(registry.getMetricsAsArray()).toEqual([]);
    // The name is free again, for another handler with the same labels.
    const next = instrumentFlush(() => {}, { registry });
    expect(outcome(await scrape(registry), 'success').count).toBe(0);
    next[Symbol.dispose]();
  });

  it('validates its options', () => {
    const registry = new Registry();
    expect(() => instrumentFlush('reload' as never, { registry })).toThrow(OptionsError);
    expect(() => instrumentFlush(() => {}, { registry, buckets: [] })).toThrow(
      expect.objectContaining({ option: 'buckets' }),
    );
    expect(() => instrumentFlush(() => {}, { registry, now: 5 as never })).toThrow(
      expect.objectContaining({ option: 'now' }),
    );
    expect(registry.getMetricsAsArray()).toEqual([]);
  });
});
