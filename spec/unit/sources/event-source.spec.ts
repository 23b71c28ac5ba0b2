import { describe, expect, it } from 'vitest';
import { BatchwatchError, type Event } from '../../../lib/index.ts';
import {
  EventSource,
  type SourceContext,
  type SourceStatus,
} from '../../../lib/sources/event-source.ts';
import { dockerEvent } from '../../../lib/testing/index.ts';

function manual(): {
  source: EventSource;
  context: () => SourceContext;
  released: () => boolean;
  starts: () => number;
} {
  let ctx: SourceContext | undefined;
  let released = false;
  let starts = 0;
  const source = new EventSource('manual', (context) => {
    ctx = context;
    starts++;
    released = false;
    return () => {
      released = true;
    };
  });
  return {
    source,
    context: () => ctx as SourceContext,
    released: () => released,
    starts: () => starts,
  };
}

describe('EventSource', () => {
  it('starts nothing before a subscription', () => {
    const { source, context } = manual();
    expect(source.status).toEqual({ kind: 'idle' });
    expect(context()).toBeUndefined();
  });

  it('delivers events, counts them, and reports statuses in order', () => {
    const { source, context, released } = manual();
    const statuses: SourceStatus['kind'][] = [];
    source.status$.subscribe((status) => statuses.push(status.kind));
    const events: Event[] = [];
    const subscription = source.subscribe((event) => events.push(event));
    const ctx = context();
    ctx.status({ kind: 'ready', since: 1 });
    ctx.next(dockerEvent.start('a'));
    ctx.status({ kind: 'reconnecting', attempt: 1, delayMs: 10, error: new Error('reset') });
    ctx.count('bytes', 100);
    subscription.unsubscribe();
    ctx.next(dockerEvent.start('late'));
    expect(events.map((event) => event.actorName)).toEqual(['a']);
    expect(statuses).toEqual(['idle', 'connecting', 'ready', 'reconnecting', 'closed']);
    expect(source.stats()).toEqual({ events: 1, warnings: 0, reconnects: 1, bytes: 100 });
    expect(released()).toBe(true);
    expect(ctx.signal.aborted).toBe(true);
  });

  it('reports warnings without ending the stream', () => {
    const { source, context } = manual();
    const warnings: BatchwatchError[] = [];
    source.warnings$.subscribe((warning) => warnings.push(warning));
    const subscription = source.subscribe();
    context().warn(new BatchwatchError('malformed line'));
    expect(warnings).toHaveLength(1);
    expect(subscription.closed).toBe(false);
    expect(source.stats()['warnings']).toBe(1);
    subscription.unsubscribe();
  });

  it('errors the stream and closes with the error on a fatal problem', () => {
    const { source, context } = manual();
    let failure: unknown;
    source.subscribe({ error: (err: unknown) => (failure = err) });
    const fatal = new Error('gone');
    context().error(fatal);
    expect(failure).toBe(fatal);
    expect(source.status).toEqual({ kind: 'closed', error: fatal });
  });

  it('ready() resolves on ready and rejects when the source closes first', async () => {
    const first = manual();
    const subscription = first.source.subscribe();
    const ready = first.source.ready();
    first.context().status({ kind: 'ready', since: 0 });
    await expect(ready).resolves.toBeUndefined();
    subscription.unsubscribe();

    const second = manual();
    const failing = second.source.subscribe({ error: () => {} });
    const notReady = second.source.ready();
    second.context().error(new Error('refused'));
    await expect(notReady).rejects.toThrow('refused');
    failing.unsubscribe();
  });

  it('is one watch for two subscribers: started by the first, stopped by the last', () => {
    const { source, context, released, starts } = manual();
    const statuses: SourceStatus['kind'][] = [];
    source.status$.subscribe((status) => statuses.push(status.kind));
    const first: string[] = [];
    const second: string[] = [];
    const a = source.subscribe((event) => first.push(event.actorName));
    const ctx = context();
    ctx.status({ kind: 'ready', since: 1 });
    ctx.next(dockerEvent.start('before'));
    ctx.count('bytes', 10);
    const b = source.subscribe((event) => second.push(event.actorName));
    expect(starts()).toBe(1);
    expect(source.status).toEqual({ kind: 'ready', since: 1 });
    // The second subscriber did not reset the counters of the one watch.
    expect(source.stats()).toEqual({ events: 1, warnings: 0, reconnects: 0, bytes: 10 });
    ctx.next(dockerEvent.start('both'));
    a.unsubscribe();
    expect(released()).toBe(false);
    expect(ctx.signal.aborted).toBe(false);
    expect(source.status.kind).toBe('ready');
    ctx.next(dockerEvent.start('after'));
    expect(first).toEqual(['before', 'both']);
    expect(second).toEqual(['both', 'after']);
    expect(source.stats()['events']).toBe(3);
    b.unsubscribe();
    expect(released()).toBe(true);
    expect(ctx.signal.aborted).toBe(true);
    expect(statuses).toEqual(['idle', 'connecting', 'ready', 'closed']);
  });

  it('starts a new watch, with fresh counters, for a subscriber after the last left', () => {
    const { source, context, starts } = manual();
    source.subscribe().unsubscribe();
    context().next(dockerEvent.start('late'));
    const again = source.subscribe();
    expect(starts()).toBe(2);
    expect(source.status.kind).toBe('connecting');
    context().next(dockerEvent.start('new'));
    expect(source.stats()).toEqual({ events: 1, warnings: 0, reconnects: 0 });
    again.unsubscribe();
  });

  it('errors every subscriber of the watch on a fatal problem, and closes once', () => {
    const { source, context, starts } = manual();
    const statuses: SourceStatus['kind'][] = [];
    source.status$.subscribe((status) => statuses.push(status.kind));
    const failures: unknown[] = [];
    source.subscribe({ error: (err: unknown) => failures.push(err) });
    source.subscribe({ error: (err: unknown) => failures.push(err) });
    const fatal = new Error('gone');
    context().error(fatal);
    expect(failures).toEqual([fatal, fatal]);
    expect(starts()).toBe(1);
    expect(statuses).toEqual(['idle', 'connecting', 'closed']);
  });
});
