import { describe, expect, it } from 'vitest';
import { BatchwatchError, type Event } from '../../../lib/index.ts';
import {
  EventSource,
  type SourceContext,
  type SourceStatus,
} from '../../../lib/sources/event-source.ts';
import { dockerEvent } from '../../../lib/testing/index.ts';

function manual(): { source: EventSource; context: () => SourceContext; released: () => boolean } {
  let ctx: SourceContext | undefined;
  let released = false;
  const source = new EventSource('manual', (context) => {
    ctx = context;
    return () => {
      released = true;
    };
  });
  return {
    source,
    context: () => ctx as SourceContext,
    released: () => released,
  };
}

describe('EventSource', () => {
  it('is cold: nothing starts before a subscription', () => {
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
});
