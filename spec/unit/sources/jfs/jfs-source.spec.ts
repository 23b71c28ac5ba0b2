import { BehaviorSubject, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type JfsError, OptionsError } from '../../../../lib/errors.ts';
import { Action } from '../../../../lib/events/action.ts';
import type { Event } from '../../../../lib/events/event.ts';
import type { JfsEvent } from '../../../../lib/jfs-protocol/jfs-message.ts';
import { Op } from '../../../../lib/jfs-protocol/op.ts';
import { MalformedFrameError } from '../../../../lib/jfs-protocol/protocol-errors.ts';
import type { SourceStatus } from '../../../../lib/sources/event-source.ts';
import { JfsConnectionError } from '../../../../lib/sources/jfs/jfs-client-errors.ts';
import { jfsSource } from '../../../../lib/sources/jfs/jfs-source.ts';
import type { JfsWatcherOptions } from '../../../../lib/sources/jfs/jfs-watcher-options.ts';
import type { NotifyWatcher, WatcherStatus } from '../../../../lib/sources/jfs/notify-watcher.ts';

/** A watcher driven by the test, through the narrow interface jfsSource takes. */
class FakeWatcher implements NotifyWatcher {
  readonly events = new Subject<JfsEvent>();
  readonly errors = new Subject<JfsError>();
  readonly statuses = new BehaviorSubject<WatcherStatus>({ kind: 'connecting', attempt: 0 });
  readonly events$ = this.events.asObservable();
  readonly warnings$ = this.errors.asObservable();
  readonly status$ = this.statuses.asObservable();
  closed = 0;
  readonly options: JfsWatcherOptions;

  constructor(options: JfsWatcherOptions) {
    this.options = options;
  }

  get status(): WatcherStatus {
    return this.statuses.value;
  }
  add(): void {}
  remove(): void {}
  watchList(): string[] {
    return [...(this.options.paths ?? [])];
  }
  close(): Promise<void> {
    this.closed++;
    return Promise.resolve();
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function setup(extra: { chmod?: boolean; reloadOnReconnect?: boolean } = {}) {
  const watchers: FakeWatcher[] = [];
  const source = jfsSource({
    paths: ['/data/x'],
    env: {},
    ...extra,
    createWatcher: (options) => {
      const watcher = new FakeWatcher(options);
      watchers.push(watcher);
      return watcher;
    },
  });
  return { source, watcher: () => watchers[0] as FakeWatcher, watchers };
}

describe('jfsSource (watcher injected)', () => {
  it('is cold, hands the watcher options on, and closes it on unsubscribe', () => {
    const { source, watcher, watchers } = setup();
    expect(watchers).toHaveLength(0);
    const subscription = source.subscribe();
    expect(watcher().options).toEqual({ paths: ['/data/x'], env: {} });
    subscription.unsubscribe();
    expect(watcher().closed).toBe(1);
    expect(source.status).toEqual({ kind: 'closed' });
  });

  it('turns watcher events into Events, counting the ignored ones', () => {
    const { source, watcher } = setup();
    const events: Event[] = [];
    const subscription = source.subscribe((event) => events.push(event));
    watcher().events.next({ name: '/data/x/a', op: Op.Create | Op.Write, key: '/data/x' });
    watcher().events.next({ name: '/data/x/a', op: Op.Chmod, key: '/data/x' });
    expect(events.map((event) => [event.actorName, event.action])).toEqual([
      ['/data/x/a', 2],
      ['/data/x/a', 1],
    ]);
    expect(source.stats()).toMatchObject({ events: 2, ignored: 1 });
    subscription.unsubscribe();
  });

  it('maps Chmod when asked', () => {
    const { source, watcher } = setup({ chmod: true });
    const events: Event[] = [];
    const subscription = source.subscribe((event) => events.push(event));
    watcher().events.next({ name: '/data/x/a', op: Op.Chmod, key: '/data/x' });
    expect(events).toHaveLength(1);
    subscription.unsubscribe();
  });

  it('follows the watcher status and reports its errors as warnings', () => {
    const { source, watcher } = setup();
    const statuses: SourceStatus['kind'][] = [];
    source.status$.subscribe((status) => statuses.push(status.kind));
    const warnings: JfsError[] = [];
    source.warnings$.subscribe((warning) => warnings.push(warning));
    const subscription = source.subscribe();
    const lost = new JfsConnectionError('h:1', 'the connection was lost');
    watcher().statuses.next({ kind: 'ready', since: 1 });
    watcher().errors.next(lost);
    watcher().errors.next(new MalformedFrameError(6, 10, 'invalid event'));
    watcher().statuses.next({ kind: 'reconnecting', attempt: 1, delayMs: 5, error: lost });
    watcher().statuses.next({ kind: 'connecting', attempt: 1 });
    watcher().statuses.next({ kind: 'ready', since: 2 });
    expect(statuses).toEqual([
      'idle',
      'connecting',
      'ready',
      'reconnecting',
      'connecting',
      'ready',
    ]);
    expect(warnings).toHaveLength(2);
    expect(source.stats()).toMatchObject({ warnings: 2, malformed: 1, reconnects: 1 });
    subscription.unsubscribe();
  });

  it('emits one ForceReload each time it is ready again after a reconnection, not on the first connection', () => {
    const { source, watcher } = setup();
    const events: Event[] = [];
    const subscription = source.subscribe((event) => events.push(event));
    const lost = new JfsConnectionError('h:1', 'could not connect');
    const statuses = watcher().statuses;
    // The first connection takes two tries: still the first connection, nothing was watched yet.
    statuses.next({ kind: 'reconnecting', attempt: 1, delayMs: 5, error: lost });
    statuses.next({ kind: 'connecting', attempt: 1 });
    statuses.next({ kind: 'ready', since: 1 });
    expect(events).toEqual([]);
    expect(source.stats()).toMatchObject({ forceReloads: 0 });
    watcher().events.next({ name: '/data/x/a', op: Op.Write, key: '/data/x' });
    for (const since of [2, 3]) {
      // A stable connection lost is re-dialled at once (`connecting 0`), a short one backs off.
      if (since === 3) statuses.next({ kind: 'reconnecting', attempt: 1, delayMs: 5, error: lost });
      statuses.next({ kind: 'connecting', attempt: since === 2 ? 0 : 1 });
      expect(events.at(-1)?.action).not.toBe(Action.ForceReload); // not before it is ready
      statuses.next({ kind: 'ready', since });
      watcher().events.next({ name: `/data/x/${since}`, op: Op.Write, key: '/data/x' });
    }
    expect(events.map((event) => [event.action, event.actorName])).toEqual([
      [Action.FileWritten, '/data/x/a'],
      [Action.ForceReload, ''],
      [Action.FileWritten, '/data/x/2'],
      [Action.ForceReload, ''],
      [Action.FileWritten, '/data/x/3'],
    ]);
    expect(events[1]).toMatchObject({
      type: 'file',
      actorId: '',
      actorAttributes: { reason: 'reconnect' },
    });
    expect(source.stats()).toMatchObject({ forceReloads: 2, reconnects: 2, events: 5 });
    subscription.unsubscribe();
  });

  it('emits no ForceReload with reloadOnReconnect: false', () => {
    const { source, watcher } = setup({ reloadOnReconnect: false });
    const events: Event[] = [];
    const subscription = source.subscribe((event) => events.push(event));
    const lost = new JfsConnectionError('h:1', 'the connection was lost');
    watcher().statuses.next({ kind: 'ready', since: 1 });
    watcher().statuses.next({ kind: 'reconnecting', attempt: 1, delayMs: 0, error: lost });
    watcher().statuses.next({ kind: 'ready', since: 2 });
    expect(events).toEqual([]);
    expect(source.stats()).toMatchObject({ forceReloads: 0, reconnects: 1 });
    subscription.unsubscribe();
  });

  it('fails when the watcher gives up', () => {
    const { source, watcher } = setup();
    let failure: unknown;
    source.subscribe({ error: (error: unknown) => (failure = error) });
    const error = new JfsConnectionError('h:1', 'could not connect');
    watcher().statuses.next({ kind: 'closed', error });
    expect(failure).toBe(error);
    expect(source.status).toEqual({ kind: 'closed', error });
  });

  it.each([
    [{ paths: [] }, 'paths'],
    [{ paths: ['/a'], chmod: 'yes' }, 'chmod'],
    [{ paths: ['/a'], createWatcher: 1 }, 'createWatcher'],
    [{ paths: ['/a'], reloadOnReconnect: 'yes' }, 'reloadOnReconnect'],
    [{ paths: ['/a'], pth: 1 }, 'pth'],
  ])('refuses %j at once, naming the option', (options, option) => {
    expect(() => jfsSource({ env: {}, ...(options as { paths: string[] }) })).toThrow(OptionsError);
    try {
      jfsSource({ env: {}, ...(options as { paths: string[] }) });
    } catch (error) {
      expect(error).toMatchObject({ option });
    }
  });
});
