// `batchwatch/jfs`: the JFS file-notify protocol (shared/JFS-PROTOCOL.md): the client source and
// watchers, the proxy and daemon of the server side, and the protocol's messages, codec and Redis
// formats. The only entry point that loads ioredis (for the proxy and the daemon).

export {
  JfsError,
  JfsServerError,
} from '../errors.ts';
export { BacklogOverflowError } from '../jfs-daemon/backlog-overflow-error.ts';
export type { ChangeFeed, FeedRecord } from '../jfs-daemon/change-feed.ts';
export type { JfsDaemonStats } from '../jfs-daemon/jfs-daemon.ts';
export { JfsDaemon } from '../jfs-daemon/jfs-daemon.ts';
export type { JfsDaemonOptions } from '../jfs-daemon/jfs-daemon-options.ts';
export type { PathWatcher } from '../jfs-daemon/path-watcher.ts';
export { RefusedPathError, RegistryEntryError } from '../jfs-daemon/watch-errors.ts';
export type { WatchList, WatchListChange } from '../jfs-daemon/watch-list.ts';
export { decodePayload } from '../jfs-protocol/decode-payload.ts';
export { encodeMessage } from '../jfs-protocol/encode-message.ts';
export type { DecodedItem } from '../jfs-protocol/frame-decoder.ts';
export { DEFAULT_MAX_FRAME_LENGTH, FrameDecoder } from '../jfs-protocol/frame-decoder.ts';
export type {
  JfsChannelMessage,
  JfsErrorMessage,
  JfsEvent,
  JfsEventMessage,
  JfsMessage,
  JfsPathsMessage,
} from '../jfs-protocol/jfs-message.ts';
export { MessageType, messageTypeName } from '../jfs-protocol/message-type.ts';
export type { ParsedNotifyMessage } from '../jfs-protocol/notify-message.ts';
export {
  formatNotifyMessage,
  NOTIFY_CHANNEL,
  parseNotifyMessage,
} from '../jfs-protocol/notify-message.ts';
export type { DaemonMarker, GapReason, StreamEntry } from '../jfs-protocol/notify-stream.ts';
export {
  batchFields,
  eventFields,
  gapReasons,
  markerFields,
  parseStreamEntry,
} from '../jfs-protocol/notify-stream.ts';
export { Op, opHas, opString } from '../jfs-protocol/op.ts';
export {
  FieldTooLongError,
  FrameTooLargeError,
  MalformedFrameError,
} from '../jfs-protocol/protocol-errors.ts';
export type { NotifyNames } from '../jfs-protocol/redis-keys.ts';
export { notifyNames } from '../jfs-protocol/redis-keys.ts';
export { ClientIdentityError } from '../jfs-proxy/client-identity.ts';
export { FeedChoiceWarning } from '../jfs-proxy/feed-choice-errors.ts';
export { FeedGapError } from '../jfs-proxy/feed-gap-error.ts';
export type { JfsProxyStats, RedisLinkStatus } from '../jfs-proxy/jfs-proxy.ts';
export { JfsProxy } from '../jfs-proxy/jfs-proxy.ts';
export type { JfsProxyOptions } from '../jfs-proxy/jfs-proxy-options.ts';
export type {
  ContainerRef,
  MountClient,
  MountResolver,
  PodMount,
} from '../jfs-proxy/mount-table.ts';
export type { ConnectionLimit, WatchLimit } from '../jfs-proxy/proxy-errors.ts';
export {
  CatchUpLostError,
  ConnectionLimitError,
  MountsFileError,
  SlowClientError,
  UnmappedWatchError,
  WatchLimitError,
} from '../jfs-proxy/proxy-errors.ts';
export type { FeedChange, ProxyFeed, ProxyRegistry } from '../jfs-proxy/proxy-feed.ts';
export { MountLookupError } from '../jfs-proxy/safe-mount-resolver.ts';
export type { ContainerMounts } from '../jfs-proxy/static-mount-resolver.ts';
export { StaticMountResolver } from '../jfs-proxy/static-mount-resolver.ts';
export type { RedisTlsOptions } from '../redis/redis-address.ts';
export type { JfsAddress } from '../sources/jfs/address.ts';
export { DEFAULT_NOTIFY_SERVER, formatAddress, parseAddress } from '../sources/jfs/address.ts';
export { createNotifyWatcher } from '../sources/jfs/create-notify-watcher.ts';
export type { ChannelIdParts } from '../sources/jfs/jfs-channel-id.ts';
export { jfsChannelId } from '../sources/jfs/jfs-channel-id.ts';
export {
  AddressError,
  JfsConnectionError,
  LocalWatcherError,
  WatcherClosedError,
  WatcherNameError,
  WatchRefusedError,
} from '../sources/jfs/jfs-client-errors.ts';
export type { JfsEventMapping } from '../sources/jfs/jfs-event-to-events.ts';
export { jfsEventToEvents } from '../sources/jfs/jfs-event-to-events.ts';
export { jfsSource } from '../sources/jfs/jfs-source.ts';
export type { JfsSourceOptions } from '../sources/jfs/jfs-source-options.ts';
export { DEFAULT_JFS_SOURCE_OPTIONS } from '../sources/jfs/jfs-source-options.ts';
export type {
  JfsConnection,
  JfsConnectionEvents,
  JfsTransport,
} from '../sources/jfs/jfs-transport.ts';
export { JfsWatcher } from '../sources/jfs/jfs-watcher.ts';
export type { JfsWatcherOptions } from '../sources/jfs/jfs-watcher-options.ts';
export { DEFAULT_JFS_WATCHER_OPTIONS, FsType } from '../sources/jfs/jfs-watcher-options.ts';
export { LocalNotifyWatcher } from '../sources/jfs/local-notify-watcher.ts';
export type { NotifyWatcher, WatcherStatus } from '../sources/jfs/notify-watcher.ts';
