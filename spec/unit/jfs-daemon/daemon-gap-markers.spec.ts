// What the daemon writes, over an in-memory feed: a start marker first, ONE event per pub/sub
// message (a Go proxy reads only up to the first non-Write event of a message), and an overflow
// marker before what it kept when its backlog overflowed while the feed was away.
import { queueScheduler, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { JfsServerError } from '../../../lib/errors.ts';
import { BacklogOverflowError } from '../../../lib/jfs/index.ts';
import { JfsDaemon } from '../../../lib/jfs-daemon/jfs-daemon.ts';
import type { JfsDaemonOptions } from '../../../lib/jfs-daemon/jfs-daemon-options.ts';
import { Op } from '../../../lib/jfs-protocol/op.ts';
import { MemoryFeed, MemoryPathWatcher } from './memory-parts.ts';

/** Lets the promise callbacks of the feed's writes run. */
async function settled(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

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
    // Counted once the feed took them (a promise later).
    await settled();
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
    expect(warnings.filter((w) => /oldest are dropped/.test(w.message))).toHaveLength(1);
    expect(warnings.every((w) => w instanceof JfsServerError)).toBe(true);
    // Its own class, so that a caller can tell it from a refused write or a lost connection.
    const overflow = warnings.filter((w) => w instanceof BacklogOverflowError);
    expect(overflow).toHaveLength(1);
    expect(overflow[0]).toMatchObject({
      name: 'BacklogOverflowError',
      code: 'BATCHWATCH_JFS_BACKLOG_OVERFLOW',
      maxBacklog: 2,
    });
    feed.up();
    await settled();
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
    // One write in flight at a time: /n/2 goes once the feed took /n/1.
    await settled();
    expect(feed.entryNames()).toEqual(['daemon-start', '/n/1', '/n/2']);
    await daemon.close();
  });
});

describe('a daemon whose writes Redis refuses (out of memory)', () => {
  const oom = new Error('OOM command not allowed when used memory > maxmemory');

  it('keeps the refused changes and writes them again, in order, counting them once accepted; one warning, and the status says why', async () => {
    const feed = new MemoryFeed();
    const { daemon: starting, watcher, scheduler } = start(feed);
    const daemon = await starting;
    const warnings: Error[] = [];
    daemon.warnings$.subscribe((warning) => warnings.push(warning));
    const kinds: string[] = [];
    daemon.status$.subscribe((status) => kinds.push(status.kind));
    feed.refusing = oom;
    watcher.emit('/n/1', Op.Create);
    scheduler.flush();
    await settled();
    watcher.emit('/n/2', Op.Create);
    // Retried on the backoff: still refused, several times.
    for (let i = 0; i < 5; i++) {
      scheduler.flush();
      await settled();
    }
    expect(feed.refused).toBeGreaterThan(3);
    expect(daemon.stats()).toMatchObject({ events: 2, published: 0, dropped: 0, pending: 2 });
    expect(kinds.at(-1)).toBe('reconnecting');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/Redis refused a write \(OOM command not allowed/);
    feed.refusing = null;
    scheduler.flush();
    await settled();
    expect(feed.entryNames()).toEqual(['daemon-start', ['/n/1', '/n/2']]);
    expect(feed.messages.map((events) => events.map((e) => e.name))).toEqual([['/n/1'], ['/n/2']]);
    expect(daemon.stats()).toMatchObject({ published: 2, dropped: 0, pending: 0 });
    expect(kinds.at(-1)).toBe('ready');
    expect(warnings).toHaveLength(1);
    await daemon.close();
  });

  it('drops the oldest beyond the backlog while refused, and marks the gap in the write Redis accepts', async () => {
    const feed = new MemoryFeed();
    const { daemon: starting, watcher, scheduler } = start(feed, { maxBacklog: 3 });
    const daemon = await starting;
    feed.refusing = oom;
    for (let i = 1; i <= 5; i++) {
      watcher.emit(`/n/${i}`, Op.Create);
      scheduler.flush();
      await settled();
    }
    expect(daemon.stats()).toMatchObject({ events: 5, published: 0, dropped: 2, pending: 3 });
    expect(feed.entryNames()).toEqual(['daemon-start']);
    feed.refusing = null;
    scheduler.flush();
    await settled();
    expect(feed.entryNames()).toEqual([
      'daemon-start',
      'daemon-overflow',
      ['/n/3', '/n/4', '/n/5'],
    ]);
    // The channel has exactly what the stream has.
    expect(feed.messages.flat().map((e) => e.name)).toEqual(['/n/3', '/n/4', '/n/5']);
    expect(daemon.stats()).toMatchObject({ published: 3, dropped: 2, pending: 0 });
    await daemon.close();
  });

  it('marks its start in the first write Redis accepts, even when the first ones are refused', async () => {
    const feed = new MemoryFeed({ kind: 'connecting', attempt: 1 });
    feed.refusing = oom;
    const { daemon: starting, watcher, scheduler } = start(feed);
    watcher.emit('/n/early', Op.Create);
    feed.up();
    await settled();
    expect(feed.refused).toBe(1);
    feed.refusing = null;
    scheduler.flush();
    const daemon = await starting;
    expect(feed.entryNames()).toEqual(['daemon-start', '/n/early']);
    await daemon.close();
  });
});
