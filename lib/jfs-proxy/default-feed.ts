import { AutoFeed } from './auto-feed.ts';
import type { ResolvedJfsProxyOptions } from './jfs-proxy-options.ts';
import type { FeedHandlers, ProxyFeed } from './proxy-feed.ts';
import { PubSubFeed } from './pubsub-feed.ts';
import { StreamFeed } from './stream-feed.ts';

/**
 * The Redis feed `options.feed` names: `stream` (this project's daemons),
 * `pubsub` (the channel, for Go daemons), or `auto` (the default: the stream
 * when a daemon writes one, the channel when only Go daemons publish; see
 * {@link AutoFeed}). `name` is the connection's client name; `streamKey` the
 * stream to read.
 */
export function defaultFeed(
  options: ResolvedJfsProxyOptions,
  name: string,
  streamKey: string,
  handlers: FeedHandlers,
): ProxyFeed {
  const stream = (to: FeedHandlers): ProxyFeed =>
    new StreamFeed(options.redis, name, streamKey, to, options.scheduler);
  const channel = (to: FeedHandlers): ProxyFeed =>
    new PubSubFeed(options.redis, `${name}-channel`, options.channel, to);
  switch (options.feed) {
    case 'stream':
      return stream(handlers);
    case 'pubsub':
      return channel(handlers);
    case 'auto':
      return new AutoFeed(handlers, {
        stream,
        channel,
        scheduler: options.scheduler,
        channelName: options.channel,
      });
  }
}
