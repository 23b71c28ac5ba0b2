// Every place that runs user code, fed every hostile kind of failure (spec/support/hostile.ts):
// one typed error with the cause, the component goes on, no uncaught error or unhandled rejection.
import { Registry } from 'prom-client';
import { firstValueFrom, Observable, take, toArray } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { route } from '../../lib/delivery/route.ts';
import { byType } from '../../lib/delivery/route-key.ts';
import { DeadLetterError, type RouterError } from '../../lib/delivery/router-errors.ts';
import { describe as describeValue } from '../../lib/describe.ts';
import type { BatchwatchError, QueueError } from '../../lib/errors.ts';
import type { Event } from '../../lib/events/event.ts';
import { safeMountResolver } from '../../lib/jfs-proxy/safe-mount-resolver.ts';
import { instrumentFlush } from '../../lib/metrics/instrument-flush.ts';
import { MetricsCollectError } from '../../lib/metrics/metrics-errors.ts';
import { sourceMetrics } from '../../lib/metrics/source-metrics.ts';
import { EventQueue } from '../../lib/queue/event-queue.ts';
import { FlushError } from '../../lib/queue/queue-errors.ts';
import { PollFetchError, PollMappingError } from '../../lib/sources/poll/poll-errors.ts';
import { pollSource } from '../../lib/sources/poll/poll-source.ts';
import { dockerEvent } from '../../lib/testing/index.ts';
import { hostileCases, poisonObject, revokedProxy } from '../support/hostile.ts';

const cases = hostileCases();
/** The synchronous throws only: for callbacks whose result is not awaited (toEvent, stats()). */
const throwing = cases.filter((c) => c.name.startsWith('throws '));

describe('route() handlers', () => {
  it.each(cases)(
    'a handler that $name: one DeadLetterError, the batch resolves, others go on',
    async ({ run }) => {
      const errors: RouterError[] = [];
      const handled: string[] = [];
      const onFlush = route({
        key: byType,
        handlers: {
          docker: () => run() as undefined,
          file: (events) => {
            handled.push(...events.map((event) => event.actorName));
          },
        },
        onError: (error) => errors.push(error),
      });
      const file = { ...dockerEvent.start('f'), type: 'file' } as Event;
      await onFlush([dockerEvent.start('a'), file]);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(DeadLetterError);
      expect(errors[0]).toHaveProperty('cause');
      expect(handled).toEqual(['f']);
      expect(onFlush.stats()).toMatchObject({ deadLettered: 1, handled: 1, pending: 0 });
    },
  );
});

describe('pollSource fetch and toEvent', () => {
  it.each(cases)(
    'a fetch that $name: a PollFetchError warning, then the next fetch works',
    async ({ run }) => {
      let calls = 0;
      const source = pollSource({
        fetch: () => {
          calls++;
          if (calls === 1) return run() as never;
          return Promise.resolve({ events: [{ revision: '2' }], currentRevision: '2' });
        },
        toEvent: () => dockerEvent.start('x'),
        startRevision: '1',
        interval: 1,
        retry: () => 1,
      });
      const warnings: BatchwatchError[] = [];
      const subscription = source.warnings$.subscribe((warning) => warnings.push(warning));
      const events = await firstValueFrom(source.pipe(take(1), toArray()));
      subscription.unsubscribe();
      expect(events).toHaveLength(1);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toBeInstanceOf(PollFetchError);
      expect(warnings[0]).toHaveProperty('cause');
    },
  );

  const getterThrows = (name: string): object =>
    Object.defineProperty({}, name, {
      enumerable: true,
      get() {
        throw null;
      },
    });
  it.each([
    ['a revoked Proxy', () => revokedProxy()],
    ['an object whose every trap throws', () => poisonObject()],
    ['a response whose events getter throws', () => getterThrows('events')],
  ])(
    'a fetch that answers %s: a PollFetchError warning, then the next fetch works',
    async (_name, make) => {
      let calls = 0;
      const source = pollSource({
        fetch: () => {
          calls++;
          if (calls === 1) return new Observable((s) => s.next(make())) as never;
          return Promise.resolve({ events: [{ revision: '2' }], currentRevision: '2' });
        },
        toEvent: () => dockerEvent.start('x'),
        startRevision: '1',
        interval: 1,
        retry: () => 1,
      });
      const warnings: BatchwatchError[] = [];
      const subscription = source.warnings$.subscribe((warning) => warnings.push(warning));
      const events = await firstValueFrom(source.pipe(take(1), toArray()));
      subscription.unsubscribe();
      expect(events).toHaveLength(1);
      expect(warnings.map((warning) => warning.name)).toEqual(['PollFetchError']);
    },
  );

  it('a change whose revision getter throws fails the stream with a RevisionError', async () => {
    const source = pollSource({
      fetch: () =>
        Promise.resolve({ events: [getterThrows('revision')], currentRevision: '2' } as never),
      toEvent: () => dockerEvent.start('x'),
      startRevision: '1',
      interval: 1,
    });
    const error = await firstValueFrom(source).catch((err: unknown) => err);
    expect(error).toMatchObject({ name: 'RevisionError' });
  });

  it.each([
    ...throwing,
    { name: 'returns a revoked Proxy', run: revokedProxy },
    { name: 'returns an object whose every trap throws', run: poisonObject },
    { name: 'returns null', run: () => null },
  ])('a toEvent that $name: the stream fails with a PollMappingError', async ({ run }) => {
    const source = pollSource({
      fetch: () => Promise.resolve({ events: [{ revision: '2' }], currentRevision: '2' }),
      toEvent: () => run() as Event,
      startRevision: '1',
      interval: 1,
    });
    const error = await firstValueFrom(source).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(PollMappingError);
    expect(typeof (error as Error).message).toBe('string');
  });
});

describe('instrumentFlush', () => {
  it.each(cases)(
    'an onFlush that $name: timed as a failure, one FlushError, the queue goes on',
    async ({ run }) => {
      const registry = new Registry();
      let calls = 0;
      const timed = instrumentFlush(
        () => {
          calls++;
          return calls === 1 ? (run() as undefined) : undefined;
        },
        { registry },
      );
      const errors: QueueError[] = [];
      const queue = new EventQueue({
        flushInterval: 1,
        onFlush: timed,
        onError: (error) => errors.push(error),
      });
      queue.push(dockerEvent.start('a'));
      await queue.sync();
      queue.push(dockerEvent.start('b'));
      await queue.drain();
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(FlushError);
      const text = await registry.metrics();
      expect(text).toMatch(/flush_duration_seconds_count\{outcome="failure"\} 1/);
      expect(text).toMatch(/flush_duration_seconds_count\{outcome="success"\} 1/);
      timed.unregister();
    },
  );
});

describe('instrumentFlush clock', () => {
  it.each(throwing)(
    'a now() that $name costs the observation, never the flush',
    async ({ run }) => {
      const registry = new Registry();
      const flushed: number[] = [];
      const timed = instrumentFlush(
        (batch) => {
          flushed.push(batch.length);
        },
        { registry, now: () => run() as number },
      );
      const errors: QueueError[] = [];
      const queue = new EventQueue({
        flushInterval: 1,
        onFlush: timed,
        onError: (e) => errors.push(e),
      });
      queue.push(dockerEvent.start('a'));
      await queue.drain();
      expect(flushed).toEqual([1]);
      expect(errors).toEqual([]);
      timed.unregister();
    },
  );
});

describe('the proxy mount resolver', () => {
  const ref = { namespace: 'ns', pod: 'p', container: 'c' };
  it.each(cases)(
    'a mountsOf that $name: a rejected MountLookupError with a safe message',
    async ({ run }) => {
      const resolver = safeMountResolver({ mountsOf: () => run() as never });
      const answer = resolver.mountsOf(ref);
      expect(answer).toBeInstanceOf(Promise);
      const error = await (answer as Promise<unknown>).catch((err: unknown) => err);
      expect(error).toMatchObject({ name: 'MountLookupError', container: ref });
      expect((error as Error).message).toMatch(/^mountsOf\(ns\/p\/c\) /);
    },
  );

  it.each([
    ['a string', 'x'],
    ['mounts without paths', [{}]],
    ['a relative hostPath', [{ mountPath: '/a', hostPath: 'b' }]],
  ])('refuses an answer that is %s', async (_name, value) => {
    const resolver = safeMountResolver({ mountsOf: () => value as never });
    await expect(resolver.mountsOf(ref)).rejects.toMatchObject({ name: 'MountLookupError' });
  });

  it('passes good answers through, synchronously when they are', async () => {
    const mounts = [{ mountPath: '/data', hostPath: '/node/data' }];
    expect(safeMountResolver({ mountsOf: () => mounts }).mountsOf(ref)).toEqual(mounts);
    expect(safeMountResolver({ mountsOf: () => undefined }).mountsOf(ref)).toBeUndefined();
    await expect(
      safeMountResolver({ mountsOf: () => Promise.resolve(mounts) }).mountsOf(ref),
    ).resolves.toEqual(mounts);
  });
});

describe('metrics collectors', () => {
  it.each(throwing)(
    'a source whose stats() $name: its series are left out, one warning, the scrape answers',
    async ({ run }) => {
      const registry = new Registry();
      const warnings: unknown[] = [];
      const spy = vi.spyOn(process, 'emitWarning').mockImplementation((warning) => {
        warnings.push(warning);
      });
      try {
        const good = sourceMetrics(
          {
            name: 'good',
            status: { kind: 'ready' } as never,
            stats: () => ({ events: 3 }) as never,
          },
          { registry },
        );
        const bad = sourceMetrics(
          { name: 'bad', status: { kind: 'ready' } as never, stats: () => run() as never },
          { registry },
        );
        const first = await registry.metrics();
        const second = await registry.metrics();
        expect(first).toMatch(/source_events_total\{source="good"\} 3/);
        expect(first).not.toMatch(/source_events_total\{source="bad"\}/);
        expect(second).toMatch(/source_events_total\{source="good"\} 3/);
        // Once per member and metric, not once per scrape.
        const collectWarnings = warnings.filter((w) => w instanceof MetricsCollectError);
        expect(collectWarnings.length).toBeGreaterThan(0);
        expect(collectWarnings.length).toBe(
          new Set(collectWarnings.map((w) => (w as MetricsCollectError).metric)).size,
        );
        for (const warning of collectWarnings) expect(typeof describeValue(warning)).toBe('string');
        good.unregister();
        bad.unregister();
      } finally {
        spy.mockRestore();
      }
    },
  );
});
