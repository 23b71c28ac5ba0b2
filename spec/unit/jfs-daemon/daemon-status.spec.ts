// The daemon's status is the shared LinkStatus: connecting until it watches its static paths and
// its start marker is written, then its feed's link; closed after close(), which is idempotent and
// leaves no timer on the scheduler.
import { VirtualAction, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { JfsDaemon } from '../../../lib/jfs-daemon/jfs-daemon.ts';
import type { LinkStatus } from '../../../lib/status.ts';
import { trackTimers } from '../../../lib/testing/track-timers.ts';
import { MemoryFeed, MemoryPathWatcher, MemoryWatchList } from './memory-parts.ts';

describe('the status and the close of a daemon', () => {
  it('is ready once started, then follows the feed (attempts counted), then closed', async () => {
    const feed = new MemoryFeed({ kind: 'connecting', attempt: 1 });
    const starting = JfsDaemon.start({
      feed,
      watcher: new MemoryPathWatcher(),
      followProxies: false,
      scheduler: new VirtualTimeScheduler(),
      env: {},
    });
    feed.up();
    const daemon = await starting;
    const seen: LinkStatus['kind'][] = [];
    const attempts: number[] = [];
    daemon.status$.subscribe((status) => {
      seen.push(status.kind);
      if (status.kind === 'reconnecting') attempts.push(status.attempt);
    });
    const warnings: Error[] = [];
    daemon.warnings$.subscribe((warning) => warnings.push(warning));
    feed.down();
    feed.down();
    feed.up();
    await daemon.close();
    expect(seen).toEqual(['ready', 'reconnecting', 'reconnecting', 'ready', 'closed']);
    expect(attempts).toEqual([1, 2]);
    // One warning an outage, naming its cause, not one per attempt.
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/^the Redis connection was lost \(connection lost\)/);
  });

  it('closes once (the same promise, also through asyncDispose) and leaves no timer, subscription or part open', async () => {
    const timers = trackTimers(new VirtualTimeScheduler(VirtualAction, 100_000));
    const feed = new MemoryFeed();
    const list = new MemoryWatchList();
    const watcher = new MemoryPathWatcher();
    const daemon = await JfsDaemon.start({
      feed,
      watchList: list,
      watcher,
      scheduler: timers,
      paths: ['/node/s'],
      env: {},
    });
    watcher.emit('/node/s/f', 1); // a batch waiting for its turn
    expect(timers.active).toBeGreaterThan(0);
    const closing = daemon.close();
    expect(daemon.close()).toBe(closing);
    expect(daemon[Symbol.asyncDispose]()).toBe(closing);
    await closing;
    expect(timers.active).toBe(0);
    expect(feed.link.observed).toBe(false);
    expect(list.changes.observed).toBe(false);
    expect(watcher.events.observed).toBe(false);
    expect([feed.closed, list.closed, watcher.closed]).toEqual([true, true, true]);
    let completed = false;
    daemon.status$.subscribe({ complete: () => (completed = true) });
    expect(completed).toBe(true);
  });

  it('closed while Redis refuses its writes: one last try, then no retry timer is left', async () => {
    const virtual = new VirtualTimeScheduler(VirtualAction, 100_000);
    const timers = trackTimers(virtual);
    const feed = new MemoryFeed();
    const watcher = new MemoryPathWatcher();
    const daemon = await JfsDaemon.start({
      feed,
      watcher,
      scheduler: timers,
      followProxies: false,
      env: {},
    });
    feed.refusing = new Error('OOM command not allowed when used memory > maxmemory');
    watcher.emit('/node/s/f', 1);
    // The batching turn only (the retry, 100 ms later, stays pending).
    virtual.maxFrames = virtual.now() + 1;
    virtual.flush();
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(feed.refused).toBe(1);
    // The retry waits on the scheduler.
    expect(timers.active).toBeGreaterThan(0);
    const refusedBefore = feed.refused;
    await daemon.close();
    expect(feed.refused).toBe(refusedBefore + 1);
    expect(timers.active).toBe(0);
    expect(daemon.stats()).toMatchObject({ published: 0, events: 1 });
  });
});
