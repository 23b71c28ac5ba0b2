// How the daemon follows what proxies register, over an in-memory watch list and path watcher, in
// virtual time: a registration starts a watch that catches up from `catchUp` before the daemon
// learned of it; after a reconnection the first read only adds; a path no proxy wants is released.
import { VirtualAction, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { JfsDaemon } from '../../../lib/jfs-daemon/jfs-daemon.ts';
import { MemoryFeed, MemoryPathWatcher, MemoryWatchList } from './memory-parts.ts';

async function start(options: { paths?: string[]; catchUp?: number } = {}) {
  const watcher = new MemoryPathWatcher();
  const list = new MemoryWatchList();
  // The daemon re-reads the list every resyncInterval for ever: flush() stops at 60 s.
  const scheduler = new VirtualTimeScheduler(VirtualAction, 60_000);
  const daemon = await JfsDaemon.start({
    feed: new MemoryFeed(),
    watchList: list,
    watcher,
    scheduler,
    env: {},
    resyncInterval: 10_000,
    ...options,
  });
  return { daemon, watcher, list, scheduler };
}

describe('a daemon following the proxies’ registrations', () => {
  it('watches a registered path, catching up from catchUp before it learned of it', async () => {
    const { daemon, watcher, list, scheduler } = await start({ catchUp: 3000 });
    scheduler.schedule(() => list.register('/node/a'), 7000);
    scheduler.flush();
    await vi.waitFor(() => expect(watcher.adds).toEqual([{ path: '/node/a', since: 4000 }]));
    expect(daemon.watchList()).toEqual(['/node/a']);
    await daemon.close();
  });

  it('finds a registration without an announcement at the next periodic read', async () => {
    const { daemon, watcher, list, scheduler } = await start({ catchUp: 0 });
    list.paths.add('/node/quiet');
    scheduler.flush();
    await vi.waitFor(() => expect(watcher.adds).toEqual([{ path: '/node/quiet', since: 10_000 }]));
    expect(daemon.stats().resyncs).toBeGreaterThanOrEqual(1);
    await daemon.close();
  });

  it('only adds on the first read after a reconnection, then releases what no proxy wants', async () => {
    const { daemon, list } = await start({ paths: ['/node/static'] });
    list.register('/node/x');
    await vi.waitFor(() => expect(daemon.watchList().sort()).toEqual(['/node/static', '/node/x']));
    list.paths.delete('/node/x');
    // Proxies may not have rewritten their sets yet after a reconnection: nothing is released.
    const reads = daemon.stats().resyncs;
    list.changes.next('connected');
    await vi.waitFor(() => expect(daemon.stats().resyncs).toBe(reads + 1));
    expect(daemon.watchList().sort()).toEqual(['/node/static', '/node/x']);
    list.changes.next('changed');
    await vi.waitFor(() => expect(daemon.watchList()).toEqual(['/node/static']));
    await daemon.close();
    expect(list.closed).toBe(true);
  });
});
