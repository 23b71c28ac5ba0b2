import { asyncScheduler, type Subscription } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BatchwatchError } from '../../../../lib/errors.ts';
import { Action } from '../../../../lib/events/action.ts';
import { createEvent, type Event } from '../../../../lib/events/event.ts';
import { EventQueue } from '../../../../lib/queue/event-queue.ts';
import {
  CompactedError,
  PollFailedError,
  PollFetchError,
} from '../../../../lib/sources/poll/poll-errors.ts';
import { type PollSource, pollSource } from '../../../../lib/sources/poll/poll-source.ts';
import type { PollSourceOptions } from '../../../../lib/sources/poll/poll-source-options.ts';
import { type TrackedScheduler, trackTimers } from '../../../../lib/testing/index.ts';
import { ChangeFeedServer, type FeedChange, httpFetch } from './change-feed-server.ts';

const toEvent = (change: FeedChange): Event =>
  createEvent({
    type: 'file',
    actorName: change.key,
    actorId: `/feed/${change.key}`,
    actorAttributes: { revision: change.revision },
    action: change.op === 'delete' ? Action.FileDeleted : Action.FileWritten,
  });

describe('pollSource over a real HTTP change feed', () => {
  let server: ChangeFeedServer;
  let base: string;
  let timers: TrackedScheduler;
  const subscriptions: Subscription[] = [];

  beforeEach(async () => {
    server = new ChangeFeedServer();
    base = await server.listen();
    timers = trackTimers(asyncScheduler);
  });

  afterEach(async () => {
    for (const subscription of subscriptions.splice(0)) subscription.unsubscribe();
    await server.close();
  });

  function poll(options: Partial<PollSourceOptions<FeedChange>> = {}): PollSource<FeedChange> {
    return pollSource<FeedChange>({
      fetch: httpFetch(base),
      toEvent,
      interval: 30,
      scheduler: timers,
      ...options,
    });
  }

  function consume(source: PollSource<FeedChange>) {
    const events: Event[] = [];
    const warnings: BatchwatchError[] = [];
    const caughtUp: boolean[] = [];
    let failure: unknown;
    source.warnings$.subscribe((warning) => warnings.push(warning));
    subscriptions.push(source.caughtUp$.subscribe((value) => caughtUp.push(value)));
    const subscription = source.subscribe({
      next: (event) => events.push(event),
      error: (err: unknown) => {
        failure = err;
      },
    });
    subscriptions.push(subscription);
    return { events, warnings, caughtUp, subscription, failure: () => failure };
  }

  it('catches up page by page from startRevision, then follows new changes', async () => {
    server.put(...Array.from({ length: 10 }, (_, i) => `k${i + 1}`));
    server.pageSize = 3;
    const source = poll({ startRevision: '0' });
    const { events, caughtUp, subscription } = consume(source);
    await vi.waitFor(() => expect(source.caughtUp).toBe(true));
    expect(events.map((event) => event.actorAttributes['revision'])).toEqual(
      Array.from({ length: 10 }, (_, i) => String(i + 1)),
    );
    expect(caughtUp).toEqual([false, true]);
    // Pages that make progress follow each other at once: 4 requests for 10 changes.
    expect(server.requests.slice(0, 4).map((request) => request.since)).toEqual([
      '0',
      '3',
      '6',
      '9',
    ]);
    server.put('late');
    await vi.waitFor(() => expect(events.at(-1)?.actorName).toBe('late'));
    expect(source.revision).toBe('11');
    subscription.unsubscribe();
    expect(timers.active).toBe(0);
  });

  it('started "from now", delivers only what changes after the first answer', async () => {
    server.put('old1', 'old2');
    const source = poll();
    const { events } = consume(source);
    await source.ready();
    expect(server.requests[0]?.since).toBeNull();
    expect(source.revision).toBe('2');
    expect(source.caughtUp).toBe(true);
    server.put('new');
    await vi.waitFor(() => expect(events.map((event) => event.actorName)).toEqual(['new']));
  });

  it('fails with CompactedError, and a restart from compactRevision after a re-list goes on', async () => {
    server.put(...Array.from({ length: 10 }, (_, i) => `k${i + 1}`));
    server.compact(6);
    const first = consume(poll({ startRevision: '3' }));
    await vi.waitFor(() => expect(first.failure()).toBeInstanceOf(CompactedError));
    expect(first.failure()).toMatchObject({ compactRevision: '6', requestedRevision: '3' });
    expect(first.events).toEqual([]);
    expect(timers.active).toBe(0);

    const relisted = server.snapshot();
    const restart = poll({ startRevision: (first.failure() as CompactedError).compactRevision });
    const second = consume(restart);
    await vi.waitFor(() => expect(restart.caughtUp).toBe(true));
    expect(relisted).toEqual(['k7', 'k8', 'k9', 'k10']);
    expect(second.events.map((event) => event.actorName)).toEqual(['k7', 'k8', 'k9', 'k10']);
  });

  it('retries failed requests with backoff, warning each time, and fails after maxRetries', async () => {
    server.put('a');
    server.fail(2);
    const source = poll({ startRevision: '0', retry: () => 40 });
    const consumer = consume(source);
    const started = Date.now();
    await vi.waitFor(() => expect(consumer.events).toHaveLength(1));
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);
    expect(consumer.warnings).toHaveLength(2);
    expect(consumer.warnings[0]).toBeInstanceOf(PollFetchError);
    expect(consumer.warnings[1]).toMatchObject({ attempt: 2, cause: new Error('HTTP 503') });

    server.fail(3);
    server.put('b');
    await vi.waitFor(() => expect(consumer.failure()).toBeInstanceOf(PollFailedError));
    expect(consumer.failure()).toMatchObject({ attempts: 3, cause: new Error('HTTP 503') });
    expect(consumer.warnings).toHaveLength(4);
    expect(consumer.events).toHaveLength(1);
    expect(source.status).toMatchObject({ kind: 'closed', error: consumer.failure() });
    expect(timers.active).toBe(0);
  });

  it('aborts the request in flight on unsubscribe: the server sees the client go', async () => {
    server.delayMs = 30_000;
    const source = poll({ startRevision: '0' });
    const consumer = consume(source);
    await vi.waitFor(() => expect(server.requests).toHaveLength(1));
    const unsubscribedAt = Date.now();
    consumer.subscription.unsubscribe();
    await vi.waitFor(() => expect(server.requests[0]?.outcome).toBe('aborted'));
    expect(Date.now() - unsubscribedAt).toBeLessThan(5_000);
    expect(timers.active).toBe(0);
    expect(consumer.warnings).toEqual([]);
    expect(consumer.failure()).toBeUndefined();
    expect(source.status).toEqual({ kind: 'closed' });
  });

  it('feeds an EventQueue: every change reaches onFlush once, in revision order', async () => {
    server.put(...Array.from({ length: 25 }, (_, i) => `k${i + 1}`));
    server.pageSize = 7;
    const flushed: string[] = [];
    const queue = new EventQueue({
      flushInterval: 20,
      onFlush: (batch) => {
        for (const event of batch) flushed.push(event.actorAttributes['revision'] ?? '?');
      },
    });
    const source = poll({ startRevision: '0' });
    queue.start(source);
    await vi.waitFor(() => expect(source.caughtUp).toBe(true));
    await queue.sync();
    expect(flushed).toEqual(Array.from({ length: 25 }, (_, i) => String(i + 1)));
    await queue.drain();
    expect(source.status).toEqual({ kind: 'closed' });
    expect(timers.active).toBe(0);
  });
});
