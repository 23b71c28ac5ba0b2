import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { AutoFeed, FEED_CHOICE_WINDOW_MS } from '../../../lib/jfs-proxy/auto-feed.ts';
import { FeedChoiceWarning } from '../../../lib/jfs-proxy/feed-choice-errors.ts';
import type { FeedHandlers, ProxyFeed } from '../../../lib/jfs-proxy/proxy-feed.ts';

/** A feed driven by the test: its handlers, and whether the auto feed closed it. */
interface FakeFeed extends ProxyFeed {
  handlers: FeedHandlers;
  closed: boolean;
}

function fake(handlers: FeedHandlers): FakeFeed {
  const feed: FakeFeed = {
    handlers,
    closed: false,
    lagMs: 0,
    pause: () => {},
    resume: () => {},
    close: async () => {
      feed.closed = true;
    },
  };
  return feed;
}

const change = (name: string, op = 1) => ({ name, op, key: '/node' });

function setup() {
  const scheduler = new VirtualTimeScheduler();
  const seen = {
    events: [] as string[],
    gaps: [] as string[],
    statuses: [] as string[],
    warnings: [] as Error[],
  };
  const handlers: FeedHandlers = {
    events: (events) => seen.events.push(...events.map((event) => event.name)),
    gap: (reason) => seen.gaps.push(reason),
    invalid: () => {},
    status: (status) => seen.statuses.push(status),
    error: (err) => seen.warnings.push(err),
  };
  let stream: FakeFeed | undefined;
  let channel: FakeFeed | undefined;
  const feed = new AutoFeed(handlers, {
    stream: (to) => {
      stream = fake(to);
      return stream;
    },
    channel: (to) => {
      channel = fake(to);
      return channel;
    },
    scheduler,
    channelName: 'jfsnotify',
  });
  const runFor = (ms: number): void => {
    scheduler.schedule(() => {}, ms);
    scheduler.maxFrames = scheduler.now() + ms;
    scheduler.flush();
  };
  return {
    feed,
    seen,
    stream: stream as FakeFeed,
    channel: channel as FakeFeed,
    runFor,
    scheduler,
  };
}

describe('AutoFeed (the proxy’s default feed)', () => {
  it('is ready once the stream is read and the channel listened to', () => {
    const { seen, stream, channel } = setup();
    stream.handlers.status('ready');
    expect(seen.statuses).toEqual([]);
    channel.handlers.status('ready');
    expect(seen.statuses).toEqual(['ready']);
  });

  it('is ready with the stream alone when the channel cannot be subscribed, a window later', () => {
    const { seen, stream, runFor } = setup();
    stream.handlers.status('ready');
    runFor(FEED_CHOICE_WINDOW_MS - 1);
    expect(seen.statuses).toEqual([]);
    runFor(1);
    expect(seen.statuses).toEqual(['ready']);
  });

  it('reads the channel when a change comes there and no stream entry within the window', () => {
    const { feed, seen, stream, channel, runFor, scheduler } = setup();
    stream.handlers.status('ready');
    channel.handlers.status('ready');
    channel.handlers.events([change('/node/a')], 1);
    runFor(FEED_CHOICE_WINDOW_MS - 1);
    channel.handlers.events([change('/node/b')], 1);
    expect(seen.events).toEqual([]);
    expect(feed.mode).toBe('undecided');
    runFor(1);
    expect(feed.mode).toBe('channel');
    // Held, then delivered: nothing published before the choice is lost.
    expect(seen.events).toEqual(['/node/a', '/node/b']);
    expect(stream.closed).toBe(true);
    expect(seen.warnings).toHaveLength(1);
    expect(seen.warnings[0]).toBeInstanceOf(FeedChoiceWarning);
    expect(seen.warnings[0]?.message).toMatch(
      /^2 change\(s\) on the channel jfsnotify and no stream entry within 2000 ms: only Go daemons publish here/,
    );
    // From now on the channel is the feed: its changes, gaps and status reach the proxy.
    channel.handlers.events([change('/node/c')], 1);
    channel.handlers.gap('resubscribe');
    channel.handlers.status('reconnecting', 100, new Error('lost'));
    stream.handlers.events([change('/node/ignored')], 1);
    expect(seen.events).toEqual(['/node/a', '/node/b', '/node/c']);
    expect(seen.gaps).toEqual(['resubscribe']);
    expect(seen.statuses).toEqual(['ready', 'reconnecting']);
    expect(scheduler.actions.filter((action) => !action.closed)).toEqual([]);
  });

  it('keeps the stream, and closes the channel, once a stream entry comes', () => {
    const { feed, seen, stream, channel, runFor } = setup();
    stream.handlers.status('ready');
    channel.handlers.status('ready');
    channel.handlers.events([change('/node/a')], 1);
    runFor(500);
    stream.handlers.events([change('/node/a')], 1);
    expect(feed.mode).toBe('stream');
    expect(channel.closed).toBe(true);
    runFor(FEED_CHOICE_WINDOW_MS * 2);
    channel.handlers.events([change('/node/late')], 1);
    expect(seen.events).toEqual(['/node/a']);
    expect(seen.warnings).toEqual([]);
    expect(feed.mode).toBe('stream');
  });

  it("takes a daemon's marker in the stream as proof that a daemon writes it", () => {
    const { feed, seen, stream, channel } = setup();
    stream.handlers.gap('daemon-start');
    expect(feed.mode).toBe('stream');
    expect(channel.closed).toBe(true);
    expect(seen.gaps).toEqual(['daemon-start']);
  });

  it('passes on what the stream says while undecided, and closes both feeds', async () => {
    const { feed, seen, stream, channel } = setup();
    stream.handlers.gap('trimmed');
    stream.handlers.status('reconnecting', 50, new Error('down'));
    channel.handlers.gap('resubscribe');
    expect(feed.mode).toBe('undecided');
    expect(seen.gaps).toEqual(['trimmed']);
    expect(seen.statuses).toEqual(['reconnecting']);
    await feed.close();
    expect([stream.closed, channel.closed]).toEqual([true, true]);
  });
});
