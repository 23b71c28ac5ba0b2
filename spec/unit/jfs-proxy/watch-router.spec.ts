import { describe, expect, it } from 'vitest';
import type { JfsEvent } from '../../../lib/jfs-protocol/jfs-message.ts';
import type { ProxyRegistry } from '../../../lib/jfs-proxy/proxy-feed.ts';
import { type RoutedConnection, WatchRouter } from '../../../lib/jfs-proxy/watch-router.ts';

/** A registry that records what it was told. */
function registry(): ProxyRegistry & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    add: (path) => calls.push(`add ${path}`),
    remove: (path) => calls.push(`remove ${path}`),
    close: async () => {
      calls.push('close');
    },
  };
}

function connection(): RoutedConnection & { got: string[]; destroyed: boolean } {
  const c = {
    got: [] as string[],
    destroyed: false,
    deliver: (event: JfsEvent) => c.got.push(event.name),
    destroy: () => {
      c.destroyed = true;
    },
  };
  return c;
}

const event = (name: string, key = '/n/a'): JfsEvent => ({ name: `${key}/${name}`, op: 1, key });
const microtask = (): Promise<void> => new Promise((resolve) => queueMicrotask(resolve));

describe('WatchRouter (the proxy without sockets or Redis)', () => {
  it('registers a path with its first watcher and withdraws it with its last', () => {
    const reg = registry();
    const router = new WatchRouter(reg, () => 0);
    const [a, b] = [connection(), connection()];
    router.watched(a, '/n/a');
    router.watched(b, '/n/a');
    router.watched(b, '/n/b');
    router.unwatched(a, '/n/a');
    router.unwatched(b, '/n/a');
    router.unwatched(b, '/n/a');
    expect(reg.calls).toEqual(['add /n/a', 'add /n/b', 'remove /n/a']);
    expect(router.watchedPaths).toBe(1);
  });

  it('delivers each event, in order, to the connections watching its key only', async () => {
    const router = new WatchRouter(registry(), () => 0, 0);
    const [a, b] = [connection(), connection()];
    router.watched(a, '/n/a');
    router.watched(b, '/n/b');
    await microtask();
    router.deliver([event('1'), event('2', '/n/b'), event('3'), event('4', '/n/c')]);
    expect(a.got).toEqual(['/n/a/1', '/n/a/3']);
    expect(b.got).toEqual(['/n/b/2']);
  });

  it("catches a new watcher up on its path's recent events, once per path", async () => {
    let now = 0;
    const router = new WatchRouter(registry(), () => now, 1000);
    router.deliver([event('old')]);
    now = 1500;
    router.deliver([event('x'), event('y', '/n/b')]);
    const c = connection();
    router.watched(c, '/n/a');
    await microtask();
    expect(c.got).toEqual(['/n/a/x']);
    router.unwatched(c, '/n/a');
    router.watched(c, '/n/a');
    await microtask();
    expect(c.got).toEqual(['/n/a/x']);
  });

  it('owes a connection whose WATCH came late every event since it opened (a restart under many clients)', async () => {
    let now = 0;
    const router = new WatchRouter(registry(), () => now, 1000);
    router.deliver([event('before')]);
    now = 6000;
    const c = connection();
    router.opened(c);
    now = 6500;
    router.deliver([event('opened')]);
    now = 9000;
    router.deliver([event('waiting'), event('other', '/n/b')]);
    // Its WATCH is processed 3 s after it connected: the events since then (and up to ACCEPT_LAG_MS
    // before: its client may have connected that much earlier), not just the last second.
    router.watched(c, '/n/a');
    await microtask();
    expect(c.got).toEqual(['/n/a/opened', '/n/a/waiting']);
    expect(c.destroyed).toBe(false);
  });

  it('resyncs a connection whose catch-up was no longer kept, and says so', async () => {
    let now = 0;
    const late: unknown[] = [];
    const router = new WatchRouter(
      registry(),
      () => now,
      1000,
      (c) => late.push(c),
    );
    const c = connection();
    router.opened(c);
    now = 100;
    router.deliver(Array.from({ length: 100_001 }, (_, i) => event(`f${i}`)));
    now = 200;
    router.watched(c, '/n/a');
    await microtask();
    expect(c.destroyed).toBe(true);
    expect(c.got).toEqual([]);
    expect(late).toEqual([c]);
  });

  it('a burst that overflowed the kept events on one path costs no resync to a watcher of another', async () => {
    let now = 0;
    const late: unknown[] = [];
    const router = new WatchRouter(
      registry(),
      () => now,
      1000,
      (c) => late.push(c),
    );
    const c = connection();
    router.opened(c);
    now = 100;
    router.deliver(Array.from({ length: 100_001 }, (_, i) => event(`f${i}`, '/n/b')));
    router.deliver([event('quiet')]);
    now = 200;
    router.watched(c, '/n/a');
    await microtask();
    expect(c.destroyed).toBe(false);
    expect(c.got).toEqual(['/n/a/quiet']);
    expect(late).toEqual([]);
  });

  it('looks back as far as the measured accept lag: a client connecting after an old burst is not resynced', async () => {
    let now = 0;
    let lag = 200;
    const late: unknown[] = [];
    const router = new WatchRouter(
      registry(),
      () => now,
      1000,
      (c) => late.push(c),
      () => lag,
    );
    now = 100;
    router.deliver(Array.from({ length: 100_001 }, (_, i) => event(`f${i}`)));
    // 3 s later, with the event loop free (lag 200 ms), a client connects: it was not connected
    // during the burst, so it is owed nothing of it (only the last second, the WATCH's long way).
    now = 3000;
    const fresh = connection();
    router.opened(fresh);
    now = 3100;
    router.deliver([event('after')]);
    router.watched(fresh, '/n/a');
    await microtask();
    expect(fresh.destroyed).toBe(false);
    expect(fresh.got).toEqual(['/n/a/after']);
    // The same client accepted by a proxy stalled 5 s may have been connected during the burst:
    // what it missed is no longer kept, so it is resynced.
    lag = 5000;
    const stalled = connection();
    router.opened(stalled);
    router.watched(stalled, '/n/a');
    await microtask();
    expect(stalled.destroyed).toBe(true);
    expect(late).toEqual([stalled]);
  });

  it('a gap resyncs every open connection, watching or not', () => {
    const router = new WatchRouter(registry(), () => 0);
    const [a, b, gone] = [connection(), connection(), connection()];
    for (const c of [a, b, gone]) router.opened(c);
    router.watched(a, '/n/a');
    router.closed(gone);
    router.resync();
    expect([a.destroyed, b.destroyed, gone.destroyed]).toEqual([true, true, false]);
  });
});
