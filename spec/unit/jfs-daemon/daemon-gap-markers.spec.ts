// What the daemon writes, over an in-memory feed: a start marker first, ONE event per pub/sub
// message (a Go proxy reads only up to the first non-Write event of a message), and an overflow
// marker before what it kept when its backlog overflowed while the feed was away.
import { queueScheduler, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { JfsServerError } from '../../../lib/errors.ts';
import { JfsDaemon } from '../../../lib/jfs-daemon/jfs-daemon.ts';
import type { JfsDaemonOptions } from '../../../lib/jfs-daemon/jfs-daemon-options.ts';
import { Op } from '../../../lib/jfs-protocol/op.ts';
import { MemoryFeed, MemoryPathWatcher } from './memory-parts.ts';

function start(feed: MemoryFeed, options: JfsDaemonOptions = {}) {
  const watcher = new MemoryPathWatcher();
  const scheduler = new VirtualTimeScheduler();
  const daemon = JfsDaemon.start({
    feed,
    watcher,
    scheduler,
    followProxies: false,
    env: {},
    ...options,
  });
  return { daemon, watcher, scheduler };
}

describe('the gap markers and the Go format of a daemon', () => {
  it('marks its start first, then writes the changes of one turn as one stream entry and each as a message of one event', async () => {
    const feed = new MemoryFeed();
    const { daemon: starting, watcher, scheduler } = start(feed);
    const daemon = await starting;
    expect(feed.entryNames()).toEqual(['daemon-start']);
    watcher.emit('/node/a', Op.Create);
    watcher.emit('/node/a', Op.Write);
    watcher.emit('/node/b', Op.Remove);
    expect(feed.writes).toBe(1); // batched: nothing goes out before the scheduler's turn
    scheduler.flush();
    expect(feed.writes).toBe(2);
    expect(feed.entryNames()).toEqual(['daemon-start', ['/node/a', '/node/a', '/node/b']]);
    expect(feed.messages).toEqual([
      [{ name: '/node/a', op: Op.Create, key: '/node' }],
      [{ name: '/node/a', op: Op.Write, key: '/node' }],
      [{ name: '/node/b', op: Op.Remove, key: '/node' }],
    ]);
    expect(daemon.stats()).toMatchObject({ events: 3, published: 3, dropped: 0 });
    await daemon.close();
  });

  it('keeps the newest changes while the feed is away, warns once, and marks the overflow before them', async () => {
    const feed = new MemoryFeed();
    const { daemon: starting, watcher, scheduler } = start(feed, { maxBacklog: 2 });
    const daemon = await starting;
    const warnings: Error[] = [];
    daemon.warnings$.subscribe((warning) => warnings.push(warning));
    feed.down();
    for (const name of ['/n/1', '/n/2', '/n/3', '/n/4']) watcher.emit(name, Op.Create);
    scheduler.flush();
    expect(feed.entryNames()).toEqual(['daemon-start']);
    expect(warnings.filter((w) => w instanceof JfsServerError)).toHaveLength(1);
    feed.up();
    expect(feed.entryNames()).toEqual(['daemon-start', 'daemon-overflow', ['/n/3', '/n/4']]);
    expect(feed.messages.map((events) => events.map((e) => e.name))).toEqual([['/n/3'], ['/n/4']]);
    expect(daemon.stats()).toMatchObject({ events: 4, published: 2, dropped: 2 });
    // The next outage that does not overflow is not a gap: no marker.
    feed.down();
    watcher.emit('/n/5', Op.Write);
    feed.up();
    expect(feed.entryNames().slice(3)).toEqual(['/n/5']);
    await daemon.close();
  });

  it('writes nothing before the feed is up, then the start marker before the changes kept', async () => {
    const feed = new MemoryFeed({ kind: 'connecting', attempt: 1 });
    const { daemon: starting, watcher } = start(feed);
    watcher.emit('/n/early', Op.Create);
    expect(feed.writes).toBe(0);
    feed.up();
    const daemon = await starting;
    expect(feed.entryNames()).toEqual(['daemon-start', '/n/early']);
    await daemon.close();
  });

  it('sends what is pending when closed, and nothing after', async () => {
    const feed = new MemoryFeed();
    const { daemon: starting, watcher } = start(feed);
    const daemon = await starting;
    watcher.emit('/n/last', Op.Write);
    await daemon.close();
    expect(feed.entryNames()).toEqual(['daemon-start', '/n/last']);
    expect(feed.closed).toBe(true);
    expect(watcher.closed).toBe(true);
  });
});

describe('a daemon on a synchronous scheduler', () => {
  it('writes each change at once and keeps writing (no batch left pending)', async () => {
    const feed = new MemoryFeed();
    const watcher = new MemoryPathWatcher();
    const daemon = await JfsDaemon.start({
      feed,
      watcher,
      scheduler: queueScheduler,
      followProxies: false,
      env: {},
    });
    watcher.emit('/n/1', Op.Create);
    watcher.emit('/n/2', Op.Create);
    expect(feed.entryNames()).toEqual(['daemon-start', '/n/1', '/n/2']);
    await daemon.close();
  });
});
