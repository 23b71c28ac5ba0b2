import type { JfsServerError } from '../errors.ts';

/** A client connection, as {@link ChannelWatchers} sees it: the same object for every call about it. */
export interface WatcherClient {
  /** `address:port` of the client, for logs. */
  readonly remote: string;
  /** Reports a problem of this client among the proxy's warnings (its log). */
  warn(warning: JfsServerError): void;
}

/**
 * Told what each client watches, per channel id (lowercased), so that it can
 * be mirrored elsewhere, such as the FSWatcher resources of Kubernetes mode
 * (`batchwatch/kubernetes`). Calls are synchronous notifications; the
 * implementation does its own I/O and never throws.
 */
export interface ChannelWatchers {
  /** After a WATCH or UNWATCH: the node paths `channelId` watches now on this client (possibly none). */
  pathsChanged(client: WatcherClient, channelId: string, nodePaths: readonly string[]): void;
  /** After a CLEAR of `channelId` (its paths on this client are dropped). */
  cleared(client: WatcherClient, channelId: string): void;
  /** The client disconnected. */
  closed(client: WatcherClient): void;
}
