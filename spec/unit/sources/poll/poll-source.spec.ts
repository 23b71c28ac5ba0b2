import { ignoreElements, type Subscription, timer } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import type { BatchwatchError } from '../../../../lib/errors.ts';
import type { Event } from '../../../../lib/events/event.ts';
import type { SourceStatus } from '../../../../lib/sources/event-source.ts';
import {
  CompactedError,
  PollFailedError,
  PollFetchError,
  PollMappingError,
  RevisionError,
} from '../../../../lib/sources/poll/poll-errors.ts';
import { pollSource } from '../../../../lib/sources/poll/poll-source.ts';
import type { PollSourceOptions } from '../../../../lib/sources/poll/poll-source-options.ts';
import type { VirtualTime } from '../../../../lib/testing/index.ts';
import { marbles } from '../../../support/marbles.ts';
import { type Change, change, eventOf, Feed, toEvent } from './feed.ts';

/** A poll source over `feed`, on the run's tracked virtual-time scheduler. */
function source(vt: VirtualTime, feed: Feed, options: Partial<PollSourceOptions<Change>> = {}) {
  return pollSource<Change>({
    fetch: feed.fetch,
    toEvent,
    interval: 10,
    scheduler: vt.timers,
    ...options,
  });
}

/** Subscribes and records what the source delivers, with the frame of each; unsubscribes at `until`. */
function record(vt: VirtualTime, poll: ReturnType<typeof pollSource>, until: number) {
  const events: { at: number; event: Event }[] = [];
  const statuses: SourceStatus[] = [];
  const warnings: BatchwatchError[] = [];
  let failure: unknown;
  let subscription: Subscription | undefined;
  poll.status$.subscribe((status) => statuses.push(status));
  poll.warnings$.subscribe((warning) => warnings.push(warning));
  vt.at(0, () => {
    subscription = poll.subscribe({
      next: (event) => events.push({ at: vt.testScheduler.now(), event }),
      error: (err: unknown) => {
        failure = err;
      },
    });
  });
  vt.at(until, () => subscription?.unsubscribe());
  return { events, statuses, warnings, failure: () => failure };
}

describe('pollSource (virtual time)', () => {
  it('started "from now", only learns the current revision, then polls every interval', () => {
    let feed: Feed | undefined;
    let poll: ReturnType<typeof pollSource> | undefined;
    marbles((vt) => {
      const { expectObservable, testScheduler, at, timers } = vt;
      feed = new Feed(() => testScheduler.now(), 5);
      const f = feed;
      poll = source(vt, f);
      expectObservable(poll, '^ 29ms !').toBe('14ms a', { a: eventOf(6) });
      expectObservable(poll.caughtUp$).toBe('f-t', { f: false, t: true });
      at(1, () => expect(poll?.revision).toBeNull());
      at(5, () => f.append(1));
      at(13, () => expect(poll?.revision).toBe('5'));
      at(31, () => expect(timers.active).toBe(0));
    });
    expect(feed?.requests.map(({ at, since }) => ({ at, since }))).toEqual([
      { at: 0, since: undefined },
      { at: 12, since: '5' },
      { at: 24, since: '6' },
    ]);
    expect(feed?.requests.every(({ signal }) => signal.aborted)).toBe(true);
    expect(poll?.revision).toBe('6');
    expect(poll?.status).toEqual({ kind: 'closed' });
    expect(poll?.stats()).toMatchObject({ events: 1, polls: 3, warnings: 0 });
  });

  it('polls once for two subscribers: one watch, joined by the second, stopped by the last', () => {
    let feed: Feed | undefined;
    let poll: ReturnType<typeof pollSource> | undefined;
    marbles((vt) => {
      const { expectObservable, testScheduler, at, timers } = vt;
      feed = new Feed(() => testScheduler.now(), 0);
      const f = feed;
      poll = source(vt, f, { startRevision: '0' });
      at(5, () => f.append(1));
      at(17, () => f.append(1));
      // The second subscriber joins at 8 and gets what comes after; the first leaves at 20.
      expectObservable(poll, '^ 19ms !').toBe('14ms a', { a: eventOf(1) });
      expectObservable(poll, '8ms ^ 29ms !').toBe('14ms a 11ms b', {
        a: eventOf(1),
        b: eventOf(2),
      });
      at(20, () => expect(poll?.status.kind).toBe('ready'));
      at(39, () => expect(timers.active).toBe(0));
    });
    // One fetch per interval, not one per subscriber.
    expect(feed?.requests.map(({ at, since }) => [at, since])).toEqual([
      [0, '0'],
      [12, '0'],
      [24, '1'],
      [36, '2'],
    ]);
    expect(poll?.status).toEqual({ kind: 'closed' });
    expect(poll?.stats()).toMatchObject({ events: 2, polls: 3 });
  });

  it('does not deliver the changes a "from now" server lists on the first fetch, but counts them', () => {
    marbles((vt) => {
      const feed = new Feed(() => vt.testScheduler.now(), 3);
      const poll = pollSource<Change>({
        fetch: (request) =>
          request.sinceRevision === undefined
            ? feed.answer({ events: [change(2), change(3)], currentRevision: '3' })
            : feed.fetch(request),
        toEvent,
        interval: 10,
        scheduler: vt.timers,
      });
      vt.expectObservable(poll, '^ 5ms !').toBe('');
      vt.at(6, () => expect(poll.stats()).toMatchObject({ skipped: 2, events: 0 }));
    });
  });

  it('catches up page by page from startRevision, at once while pages make progress', () => {
    let feed: Feed | undefined;
    let delivered: [number, string][] = [];
    marbles((vt) => {
      const { expectObservable, testScheduler } = vt;
      feed = new Feed(() => testScheduler.now(), 5);
      feed.pageSize = 2;
      const poll = source(vt, feed, { startRevision: '0' });
      const recorded = record(vt, poll, 20);
      expectObservable(poll.caughtUp$).toBe('f-----t', { f: false, t: true });
      vt.at(21, () => {
        delivered = recorded.events.map(({ at, event }) => [at, event.actorName]);
      });
    });
    expect(delivered).toEqual([
      [2, '/feed/1'],
      [2, '/feed/2'],
      [4, '/feed/3'],
      [4, '/feed/4'],
      [6, '/feed/5'],
    ]);
    expect(feed?.requests.map(({ at, since }) => [at, since])).toEqual([
      [0, '0'],
      [2, '2'],
      [4, '4'],
      [16, '5'],
    ]);
  });

  it('does not spin on a lagging server: a page without progress waits for the interval', () => {
    let feed: Feed | undefined;
    let delivered: [number, string][] = [];
    marbles((vt) => {
      feed = new Feed(() => vt.testScheduler.now(), 5);
      feed.visibleUpTo = 3n;
      const f = feed;
      const poll = source(vt, f, { startRevision: '1' });
      const recorded = record(vt, poll, 26);
      vt.expectObservable(poll.caughtUp$).toBe('f', { f: false });
      vt.at(10, () => {
        f.visibleUpTo = 4n;
      });
      vt.at(27, () => {
        delivered = recorded.events.map(({ at, event }) => [at, event.actorName]);
      });
    });
    // 0: [2, 3], behind, progress: again at once; 2: nothing new, no progress: wait the
    // interval; 14: [4]; 16: nothing new (5 is still not listed).
    expect(delivered).toEqual([
      [2, '/feed/2'],
      [2, '/feed/3'],
      [16, '/feed/4'],
    ]);
    expect(feed?.requests.map(({ at }) => at)).toEqual([0, 2, 14, 16]);
  });

  it('compares revisions as big integers, drops repeated ones and counts them', () => {
    const big = '9007199254740993'; // 2^53 + 1: a Number would equal 2^53
    marbles((vt) => {
      const feed = new Feed(() => vt.testScheduler.now());
      const poll = pollSource<Change>({
        fetch: () =>
          feed.answer({
            events: [change('9007199254740992'), change(big), change(big), change('10')],
            currentRevision: big,
          }),
        toEvent,
        startRevision: '9007199254740991',
        scheduler: vt.timers,
      });
      vt.expectObservable(poll, '^ 5ms !').toBe('--(ab)', {
        a: eventOf('9007199254740992'),
        b: eventOf(big),
      });
      vt.at(6, () => {
        expect(poll.stats()).toMatchObject({ events: 2, duplicates: 2 });
        expect(poll.revision).toBe(big);
        expect(poll.caughtUp).toBe(true);
      });
    });
  });

  it.each([
    ['the requested revision', '2', 4n, 5n, '2'],
    ['the current revision', undefined, 6n, 5n, null],
  ])(
    'fails with CompactedError when %s is older than the compaction revision, delivering nothing',
    (_what, startRevision, compact, current, requested) => {
      let poll: ReturnType<typeof pollSource> | undefined;
      let failure: unknown;
      marbles((vt) => {
        const feed = new Feed(() => vt.testScheduler.now(), Number(current));
        feed.compact = compact;
        poll = source(vt, feed, startRevision === undefined ? {} : { startRevision });
        const recorded = record(vt, poll, 20);
        vt.at(21, () => {
          expect(recorded.events).toEqual([]);
          expect(vt.timers.active).toBe(0);
          failure = recorded.failure();
        });
      });
      expect(failure).toBeInstanceOf(CompactedError);
      expect(failure).toMatchObject({
        code: 'BATCHWATCH_POLL_COMPACTED',
        compactRevision: String(compact),
        currentRevision: String(current),
        requestedRevision: requested,
      });
      expect(poll?.status).toEqual({ kind: 'closed', error: failure });
    },
  );

  it('accepts a restart from the compaction revision', () => {
    marbles((vt) => {
      const feed = new Feed(() => vt.testScheduler.now(), 6);
      feed.compact = 4n;
      const poll = source(vt, feed, { startRevision: '4' });
      vt.expectObservable(poll, '^ 5ms !').toBe('--(ab)', { a: eventOf(5), b: eventOf(6) });
    });
  });

  it('backs off after failed fetches, warns each time, and any success resets the count', () => {
    let feed: Feed | undefined;
    let warnings: BatchwatchError[] = [];
    let statuses: string[] = [];
    marbles((vt) => {
      feed = new Feed(() => vt.testScheduler.now(), 1);
      const f = feed;
      f.failures = [new Error('503 a'), new Error('503 b')];
      const poll = source(vt, f, { startRevision: '0', retry: (attempt) => attempt * 5 });
      const recorded = record(vt, poll, 60);
      // Two failures (the third would be fatal), a success, then two more failures.
      vt.at(20, () => {
        f.failures = [new Error('503 c'), new Error('503 d')];
      });
      vt.at(61, () => {
        expect(recorded.failure()).toBeUndefined();
        expect(recorded.events).toEqual([{ at: 21, event: eventOf(1) }]);
        warnings = recorded.warnings;
        statuses = recorded.statuses.map((s) =>
          s.kind === 'reconnecting'
            ? `reconnecting ${s.attempt} ${s.delayMs}`
            : s.kind === 'connecting'
              ? `connecting ${s.attempt}`
              : s.kind,
        );
      });
    });
    // fetch 0 fails at 2, waits 5; fetch 7 fails at 9, waits 10; fetch 19 succeeds at 21;
    // fetch 31 fails at 33, waits 5; fetch 38 fails at 40, waits 10; fetch 50 succeeds at 52.
    expect(feed?.requests.map(({ at }) => at)).toEqual([0, 7, 19, 31, 38, 50]);
    expect(warnings.map((warning) => warning.constructor)).toEqual(Array(4).fill(PollFetchError));
    expect(warnings).toMatchObject([
      { attempt: 1, delayMs: 5, cause: new Error('503 a') },
      { attempt: 2, delayMs: 10, cause: new Error('503 b') },
      { attempt: 1, delayMs: 5, cause: new Error('503 c') },
      { attempt: 2, delayMs: 10, cause: new Error('503 d') },
    ]);
    // `attempt` as LinkStatus says: the retry number, the one the policy was asked with.
    expect(statuses).toEqual([
      'idle',
      'connecting 0',
      'reconnecting 1 5',
      'connecting 1',
      'reconnecting 2 10',
      'connecting 2',
      'ready',
      'reconnecting 1 5',
      'connecting 1',
      'reconnecting 2 10',
      'connecting 2',
      'ready',
      'closed',
    ]);
  });

  it('fails with PollFailedError at failure maxRetries + 1 in a row', () => {
    let failure: unknown;
    let warnings: BatchwatchError[] = [];
    marbles((vt) => {
      const feed = new Feed(() => vt.testScheduler.now(), 1);
      feed.failures = [new Error('e1'), new Error('e2'), new Error('e3'), new Error('e4')];
      const poll = source(vt, feed, { startRevision: '0', maxRetries: 2, retry: () => 1 });
      const recorded = record(vt, poll, 100);
      // Fails at 2, retry at 3 fails at 5, retry at 6 fails at 8: fatal.
      vt.at(7, () => expect(recorded.failure()).toBeUndefined());
      vt.at(9, () => {
        expect(recorded.failure()).toBeInstanceOf(PollFailedError);
        expect(vt.timers.active).toBe(0);
        expect(feed.requests).toHaveLength(3);
        failure = recorded.failure();
        warnings = recorded.warnings;
      });
    });
    expect(failure).toMatchObject({
      name: 'PollFailedError',
      code: 'BATCHWATCH_POLL_FAILED',
      attempts: 3,
      cause: new Error('e3'),
    });
    expect(warnings).toHaveLength(2);
  });

  it('with maxRetries: 0, fails at the first failed fetch without asking the backoff', () => {
    let failure: unknown;
    let warnings: BatchwatchError[] = [];
    const backoff = vi.fn(() => 1);
    marbles((vt) => {
      const feed = new Feed(() => vt.testScheduler.now(), 1);
      feed.failures = [new Error('down')];
      const poll = source(vt, feed, { startRevision: '0', maxRetries: 0, retry: backoff });
      const recorded = record(vt, poll, 10);
      vt.at(3, () => {
        failure = recorded.failure();
        warnings = recorded.warnings;
        expect(vt.timers.active).toBe(0);
      });
    });
    expect(failure).toMatchObject({ name: 'PollFailedError', attempts: 1 });
    expect(warnings).toEqual([]);
    expect(backoff).not.toHaveBeenCalled();
  });

  it('gives up at once when the backoff returns null', () => {
    let failure: unknown;
    marbles((vt) => {
      const feed = new Feed(() => vt.testScheduler.now(), 1);
      feed.failures = [new Error('down')];
      const poll = source(vt, feed, { startRevision: '0', retry: () => null });
      const recorded = record(vt, poll, 10);
      vt.at(3, () => {
        failure = recorded.failure();
      });
    });
    expect(failure).toMatchObject({ name: 'PollFailedError', attempts: 1 });
  });

  it('backs off exponentially by default, with jitter, capped at 30 s', () => {
    let delays: number[] = [];
    marbles((vt) => {
      const feed = new Feed(() => vt.testScheduler.now(), 1);
      feed.failures = Array.from({ length: 8 }, (_, i) => new Error(`e${i}`));
      const poll = source(vt, feed, { startRevision: '0', interval: 1000, maxRetries: 100 });
      const recorded = record(vt, poll, 200_000);
      vt.at(200_001, () => {
        delays = recorded.warnings.map((warning) => (warning as PollFetchError).delayMs);
      });
    });
    const bases = [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000];
    expect(delays).toHaveLength(8);
    delays.forEach((delay, i) => {
      const base = bases[i] as number;
      expect(delay).toBeGreaterThanOrEqual(base * 0.8);
      expect(delay).toBeLessThanOrEqual(base);
    });
  });

  it('reports each failed fetch on warnings$, to whoever listens, without waiting for a reader', () => {
    let late: BatchwatchError[] = [];
    let all: BatchwatchError[] = [];
    let events = 0;
    marbles((vt) => {
      const feed = new Feed(() => vt.testScheduler.now(), 1);
      feed.failures = [new Error('first'), new Error('second')];
      const poll = source(vt, feed, { startRevision: '0', retry: () => 1 });
      const recorded = record(vt, poll, 20);
      vt.at(4, () => {
        // Listening from now on: the first warning is gone, the second arrives.
        poll.warnings$.subscribe((warning) => late.push(warning));
      });
      vt.at(19, () => {
        late = [...late];
        all = [...recorded.warnings];
        events = recorded.events.length;
      });
    });
    expect(all.map((warning) => (warning.cause as Error).message)).toEqual(['first', 'second']);
    expect(late.map((warning) => (warning.cause as Error).message)).toEqual(['second']);
    expect(events).toBe(1);
  });

  it('aborts the fetch in flight on unsubscribe, and leaves no timer', () => {
    let feed: Feed | undefined;
    marbles((vt) => {
      feed = new Feed(() => vt.testScheduler.now(), 1);
      feed.hang = true;
      const f = feed;
      const poll = source(vt, f, { startRevision: '0' });
      const recorded = record(vt, poll, 7);
      vt.at(6, () => expect(f.requests[0]?.signal.aborted).toBe(false));
      vt.at(8, () => {
        expect(f.requests[0]?.signal.aborted).toBe(true);
        expect(vt.timers.active).toBe(0);
        expect(recorded.statuses.at(-1)).toEqual({ kind: 'closed' });
      });
    });
  });

  it('cancels the wait on unsubscribe: a sleep never outlives its subscriber', () => {
    let requests = 0;
    marbles((vt) => {
      const feed = new Feed(() => vt.testScheduler.now(), 1);
      const poll = source(vt, feed, { startRevision: '0', interval: 1_000_000 });
      record(vt, poll, 5);
      vt.at(4, () => expect(vt.timers.active).toBe(1));
      vt.at(6, () => expect(vt.timers.active).toBe(0));
      vt.at(2_000_000, () => {
        requests = feed.requests.length;
      });
    });
    expect(requests).toBe(1);
  });

  it.each([
    ['currentRevision', { events: [], currentRevision: '-1' }],
    ['compactRevision', { events: [], currentRevision: '5', compactRevision: 'x' }],
    [
      'events[1].revision',
      { events: [change(1), { revision: 2, path: 'p' }], currentRevision: '5' },
    ],
  ])('fails with RevisionError for an invalid %s, delivering nothing', (field, response) => {
    let failure: unknown;
    let delivered: unknown[] = [];
    marbles((vt) => {
      const feed = new Feed(() => vt.testScheduler.now());
      const poll = pollSource<Change>({
        fetch: () => feed.answer(response as never),
        toEvent,
        startRevision: '0',
        scheduler: vt.timers,
      });
      const recorded = record(vt, poll, 10);
      vt.at(3, () => {
        failure = recorded.failure();
        delivered = recorded.events;
      });
    });
    expect(failure).toBeInstanceOf(RevisionError);
    expect(failure).toMatchObject({ code: 'BATCHWATCH_POLL_BAD_REVISION', field });
    expect(delivered).toEqual([]);
  });

  it('fails with PollMappingError when toEvent throws, delivering nothing of that response', () => {
    let failure: unknown;
    let delivered: unknown[] = [];
    marbles((vt) => {
      const feed = new Feed(() => vt.testScheduler.now(), 3);
      const poll = source(vt, feed, {
        startRevision: '0',
        toEvent: (raw) => {
          if (raw.revision === '2') throw new Error('unknown kind');
          return toEvent(raw);
        },
      });
      const recorded = record(vt, poll, 10);
      vt.at(3, () => {
        failure = recorded.failure();
        delivered = recorded.events;
      });
    });
    expect(failure).toMatchObject({
      name: 'PollMappingError',
      revision: '2',
      cause: new Error('unknown kind'),
    });
    expect(failure).toBeInstanceOf(PollMappingError);
    expect(delivered).toEqual([]);
  });

  it('treats a malformed response, a throw and an empty Observable as failed fetches', () => {
    const causes: string[] = [];
    marbles((vt) => {
      const feed = new Feed(() => vt.testScheduler.now(), 1);
      let calls = 0;
      const poll = pollSource<Change>({
        fetch: (request) => {
          calls++;
          if (calls === 1) return feed.answer({ nope: true } as never);
          if (calls === 2) throw new Error('sync throw');
          if (calls === 3) return timer(1).pipe(ignoreElements()) as never;
          return feed.fetch(request);
        },
        toEvent,
        startRevision: '0',
        maxRetries: 3,
        retry: () => 1,
        scheduler: vt.timers,
      });
      const recorded = record(vt, poll, 20);
      vt.at(19, () => {
        for (const warning of recorded.warnings) causes.push(String(warning.cause));
        expect(recorded.events.map(({ event }) => event)).toEqual([eventOf(1)]);
      });
    });
    expect(causes).toEqual([
      expect.stringContaining('something other than'),
      'Error: sync throw',
      expect.stringContaining('completed without a response'),
    ]);
  });

  it('is ready after the first good response', async () => {
    const feed = new Feed(() => 0, 2);
    feed.failures = [new Error('once')];
    const poll = pollSource<Change>({
      fetch: (request) => Promise.resolve().then(() => feedResponse(feed, request.sinceRevision)),
      toEvent,
      startRevision: '0',
      retry: () => 1,
    });
    const events: Event[] = [];
    const subscription = poll.subscribe((event) => events.push(event));
    await poll.ready();
    expect(events).toEqual([eventOf(1), eventOf(2)]);
    expect(poll.stats()).toMatchObject({ failures: 1, warnings: 1, polls: 1, reconnects: 1 });
    subscription.unsubscribe();
  });
});

/** The answer of `feed` as a plain value, failing first with its queued failures. */
function feedResponse(feed: Feed, since: string | undefined) {
  const failure = feed.failures.shift();
  if (failure !== undefined) throw failure;
  const after = since === undefined ? feed.current : BigInt(since);
  return {
    events: feed.changes.filter((raw) => BigInt(raw.revision) > after),
    currentRevision: feed.current.toString(),
  };
}
