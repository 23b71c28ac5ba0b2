// The proxy's default feed against real Redis: a Go daemon publishes only on the channel, and the
// proxy, started without any flag, serves its changes and says which mode it is in; with this
// project's daemon it keeps the stream.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, inject, it, vi } from 'vitest';
import { FeedChoiceWarning } from '../../../lib/jfs-proxy/feed-choice-errors.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import {
  client,
  daemonWatches,
  nodeDir,
  startDaemon,
  startProxy,
  uniqueChannel,
} from './support.ts';

const cleanup = cleanupAfterEach();

describe('JfsProxy default feed (auto)', () => {
  it('serves a Go daemon that only publishes on the channel, and warns that it reads the channel', async () => {
    const node = await nodeDir();
    cleanup(node.cleanup);
    const channel = uniqueChannel();
    const proxy = await startProxy(node.mounts, { channel, writeDebounce: 0 });
    cleanup(() => proxy.close());
    const warnings: Error[] = [];
    const subscription = proxy.warnings$.subscribe((warning) => warnings.push(warning));
    cleanup(() => subscription.unsubscribe());
    const watcher = client(proxy.address, ['/data']);
    cleanup(watcher.stop);
    await watcher.source.ready();
    await vi.waitFor(() => expect(proxy.stats().watchedPaths).toBe(1));
    // What a Go daemon sends: one event per message on the channel, no stream entry.
    const publisher = new Redis({ port: inject('redisPort'), lazyConnect: true });
    cleanup(() => publisher.disconnect());
    await publisher.connect();
    const name = join(node.dir, 'from-go.txt');
    await publisher.publish(channel, JSON.stringify([{ Name: name, Op: 1, Key: node.dir }]));
    const publishedAt = Date.now();
    await vi.waitFor(
      () => expect(watcher.events.map((event) => event.actorName)).toContain('/data/from-go.txt'),
      { timeout: 10_000, interval: 20 },
    );
    // Within seconds (the 2 s window), with a warning that says what this mode cannot do.
    expect(Date.now() - publishedAt).toBeLessThan(5000);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toBeInstanceOf(FeedChoiceWarning);
    expect(warnings[0]?.message).toContain(`on the channel ${channel} and no stream entry`);
    expect(warnings[0]?.message).toContain('each reconnection to Redis resyncs every client');
    // From now on the channel is the feed: a second change comes at once.
    await publisher.publish(
      channel,
      JSON.stringify([{ Name: join(node.dir, 'again.txt'), Op: 2, Key: node.dir }]),
    );
    await vi.waitFor(() =>
      expect(watcher.events.map((event) => event.actorName)).toContain('/data/again.txt'),
    );
  }, 20_000);

  it("keeps the stream with this project's daemon, warning nothing", async () => {
    const node = await nodeDir();
    cleanup(node.cleanup);
    const channel = uniqueChannel();
    const daemon = await startDaemon({ channel });
    cleanup(() => daemon.close());
    const proxy = await startProxy(node.mounts, { channel, writeDebounce: 0, proxyId: channel });
    cleanup(() => proxy.close());
    const warnings: Error[] = [];
    const subscription = proxy.warnings$.subscribe((warning) => warnings.push(warning));
    cleanup(() => subscription.unsubscribe());
    const redis = new Redis({ port: inject('redisPort'), lazyConnect: true });
    cleanup(() => redis.disconnect());
    await redis.connect();
    const listening = async (): Promise<boolean> =>
      String(await redis.client('LIST')).includes(`name=batchwatch-proxy-feed-${channel}-channel`);
    // Undecided: the proxy listens to the channel beside the stream.
    expect(await listening()).toBe(true);
    const watcher = client(proxy.address, ['/data']);
    cleanup(watcher.stop);
    await watcher.source.ready();
    await daemonWatches(daemon, node.dir);
    await writeFile(join(node.dir, 'ours.txt'), 'x');
    await vi.waitFor(
      () => expect(watcher.events.map((event) => event.actorName)).toContain('/data/ours.txt'),
      { timeout: 10_000, interval: 20 },
    );
    // The stream proved a daemon of ours: the channel connection is closed (for good: no switch
    // can follow, and no CPU goes to parsing the channel), and nothing was warned.
    await vi.waitFor(async () => expect(await listening()).toBe(false), { timeout: 10_000 });
    expect(warnings.filter((warning) => warning instanceof FeedChoiceWarning)).toEqual([]);
  }, 20_000);
});
