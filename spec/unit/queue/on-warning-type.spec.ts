// onWarning's argument is typed: README-style code that reads `warning.code` and narrows with
// `instanceof` compiles under `strict` (npm run typecheck checks this file), and a foreign
// source's untyped warning reaches the listener wrapped, never as a bare `unknown`.
import { Subject } from 'rxjs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { DockerStreamError } from '../../../lib/docker/index.ts';
import {
  BatchwatchError,
  type Event,
  EventQueue,
  type EventQueueOptions,
  FileWatchError,
  SourceWarning,
} from '../../../lib/index.ts';

describe('EventQueue onWarning', () => {
  it('is typed as a BatchwatchError that narrows with instanceof', () => {
    type Listener = NonNullable<EventQueueOptions['onWarning']>;
    expectTypeOf<Parameters<Listener>[0]>().toEqualTypeOf<BatchwatchError>();
    const seen: string[] = [];
    // As the README writes it: no cast, no `unknown` to guard.
    const onWarning: Listener = (warning, sourceIndex) => {
      if (warning instanceof DockerStreamError) seen.push(`docker retry in ${warning.delayMs} ms`);
      else if (warning instanceof FileWatchError) seen.push(`file ${warning.path}`);
      else seen.push(`#${sourceIndex} ${warning.code}: ${warning.message}`);
    };
    onWarning(new BatchwatchError('odd'), 2);
    expect(seen).toEqual(['#2 BATCHWATCH_ERROR: odd']);
  });

  it("wraps a foreign source's warning that is not a BatchwatchError in a SourceWarning", async () => {
    const warnings$ = new Subject<unknown>();
    const received: BatchwatchError[] = [];
    const queue = new EventQueue({
      onFlush: () => {},
      onWarning: (warning) => received.push(warning),
    });
    const own = new BatchwatchError('ours');
    queue.start({ subscribe: (observer) => new Subject<Event>().subscribe(observer), warnings$ });
    warnings$.next('a plain string');
    warnings$.next(own);
    await queue.close();
    expect(received).toHaveLength(2);
    expect(received[0]).toBeInstanceOf(SourceWarning);
    expect(received[0]).toMatchObject({ sourceIndex: 0, warning: 'a plain string' });
    expect(received[1]).toBe(own);
  });
});
