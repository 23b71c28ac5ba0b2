import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { AutoFeed, FEED_CHOICE_WINDOW_MS } from '../../../lib/jfs-proxy/auto-feed.ts';
import { FeedChoiceWarning } from '../../../lib/jfs-proxy/feed-choice-errors.ts';
import { MemoryFeed } from './memory-feed.ts';

const change = (name: string, op = 1) => ({ name, op, key: '/node' });

function setup() {
  const scheduler = new VirtualTimeScheduler();
  const seen = {
    events: [] as string[],
    gaps: [] as string[],
    statuses: [] as string[],
    warnings: [] as Error[],
  };
  const stream = new MemoryFeed();
  const channel = new MemoryFeed();
  const feed = new AutoFeed({
    stream: () => stream,
    channel: () => channel,
    scheduler,
    channelName: 'jfsnotify',
  });
  feed.changes$.subscribe((change) => {
    if (change.kind === 'events') seen.events.push(...change.events.map((event) => event.name));
    else if (change.kind === 'gap') seen.gaps.push(change.reason);
  });
  feed.status$.subscribe((status) => {
    if (status.kind !== 'connecting') seen.statuses.push(status.kind);
  });
  feed.warnings$.subscribe((warning) => seen.warnings.push(warning));
  const runFor = (ms: number): void => {
    scheduler.schedule(() => {}, ms);
    scheduler.maxFrames = scheduler.now() + ms;
    scheduler.flush();
  };
  return { feed, seen, stream, channel, runFor, scheduler };
}

describe('AutoFeed (the proxy’s default feed)', () => {
  it('is ready once the stream is read and the channel listened to', () => {
    const { seen, stream, channel } = setup();
    stream.ready();
    expect(seen.statuses).toEqual([]);
    channel.ready();
    expect(seen.statuses).toEqual(['ready']);
  });

  it('is ready with the stream alone when the channel cannot be subscribed, a window later', () => {
    const { seen, stream, runFor } = setup();
    stream.ready();
    runFor(FEED_CHOICE_WINDOW_MS - 1);
    expect(seen.statuses).toEqual([]);
    runFor(1);
    expect(seen.statuses).toEqual(['ready']);
  });

  it('reads the channel when a change comes there and no stream entry within the window', () => {
    const { feed, seen, stream, channel, runFor, scheduler } = setup();
    stream.ready();
    channel.ready();
    channel.events([change('/node/a')], 1);
    runFor(FEED_CHOICE_WINDOW_MS - 1);
    channel.events([change('/node/b')], 1);
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
    channel.events([change('/node/c')], 1);
    channel.gap('resubscribe');
    channel.down(100, new Error('lost'));
    stream.events([change('/node/ignored')], 1);
    expect(seen.events).toEqual(['/node/a', '/node/b', '/node/c']);
    expect(seen.gaps).toEqual(['resubscribe']);
    expect(seen.statuses).toEqual(['ready', 'reconnecting']);
    expect(scheduler.actions.filter((action) => !action.closed)).toEqual([]);
  });

  it('keeps the stream, and closes the channel, once a stream entry comes', () => {
    const { feed, seen, stream, channel, runFor } = setup();
    stream.ready();
    channel.ready();
    channel.events([change('/node/a')], 1);
    runFor(500);
    stream.events([change('/node/a')], 1);
    expect(feed.mode).toBe('stream');
    expect(channel.closed).toBe(true);
    runFor(FEED_CHOICE_WINDOW_MS * 2);
    expect(seen.events).toEqual(['/node/a']);
    expect(seen.warnings).toEqual([]);
    expect(feed.mode).toBe('stream');
  });

  it("takes a daemon's marker in the stream as proof that a daemon writes it", () => {
    const { feed, seen, stream, channel } = setup();
    stream.gap('daemon-start');
    expect(feed.mode).toBe('stream');
    expect(channel.closed).toBe(true);
    expect(seen.gaps).toEqual(['daemon-start']);
  });

  it('passes on what the stream says while undecided, and closes both feeds', async () => {
    const { feed, seen, stream, channel } = setup();
    stream.gap('trimmed');
    stream.down(50, new Error('down'));
    channel.gap('resubscribe');
    expect(feed.mode).toBe('undecided');
    expect(seen.gaps).toEqual(['trimmed']);
    expect(seen.statuses).toEqual(['reconnecting']);
    await feed.close();
    expect([stream.closed, channel.closed]).toEqual([true, true]);
    expect(seen.statuses.at(-1)).toBe('closed');
  });

  it('pauses and resumes both feeds while undecided, the chosen one after', () => {
    const { feed, stream, channel } = setup();
    feed.pause();
    expect([stream.paused, channel.paused]).toEqual([true, true]);
    feed.resume();
    expect([stream.paused, channel.paused]).toEqual([false, false]);
    stream.events([change('/node/a')], 1);
    feed.pause();
    expect([stream.paused, channel.paused]).toEqual([true, false]);
  });
});
