import type { NotifyNames } from '../jfs-protocol/redis-keys.ts';
import { AutoFeed } from './auto-feed.ts';
import type { ResolvedJfsProxyOptions } from './jfs-proxy-options.ts';
import type { ProxyFeed } from './proxy-feed.ts';
import { PubSubFeed } from './pubsub-feed.ts';
import { StreamFeed } from './stream-feed.ts';

/**
 * The Redis feed `options.feed` names, when the options give no
 * `changeFeed`: `stream` (this project's daemons), `pubsub` (the channel, for
 * Go daemons), or `auto` (the default: the stream when a daemon writes one,
 * the channel when only Go daemons publish; see {@link AutoFeed}). `name` is
 * the connection's client name; `names` the deployment's stream and chain.
 */
export function defaultFeed(
  options: ResolvedJfsProxyOptions,
  name: string,
  names: Pick<NotifyNames, 'stream' | 'chain'>,
): ProxyFeed {
  if (options.changeFeed !== undefined) return options.changeFeed;
  const { scheduler } = options;
  const stream = (): ProxyFeed =>
    new StreamFeed(options.redis, name, names.stream, scheduler, { chain: names.chain });
  const channel = (): ProxyFeed =>
    new PubSubFeed(options.redis, `${name}-channel`, options.channel, scheduler);
  switch (options.feed) {
    case 'stream':
      return stream();
    case 'pubsub':
      return channel();
    case 'auto':
      return new AutoFeed({ stream, channel, scheduler, channelName: options.channel });
  }
}
