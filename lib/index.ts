// The public API of batchwatch. Everything users may import is listed here; nothing else is public.

export type { ExponentialBackoffOptions, RetryPolicy } from './backoff.ts';
export { exponentialBackoff } from './backoff.ts';
export { ActionGroup, actionGroup } from './delivery/action-group.ts';
export type { Router, RouterStats } from './delivery/route.ts';
export { route } from './delivery/route.ts';
export type { RouteKey } from './delivery/route-key.ts';
export { byActionGroup, byType } from './delivery/route-key.ts';
export type {
  HandlerContext,
  HandlerOptions,
  HandlerRetryOptions,
  RouteHandler,
  RouteOptions,
} from './delivery/route-options.ts';
export {
  AddressError,
  BatchwatchError,
  CompactedError,
  DeadLetterError,
  DockerMalformedEventError,
  DockerReconnectGaveUpError,
  DockerRequestRefusedError,
  DockerSourceError,
  DockerStreamError,
  FieldTooLongError,
  FileWatchError,
  FlushError,
  FrameTooLargeError,
  HandlerTimeoutError,
  JfsConnectionError,
  JfsError,
  JfsServerError,
  LocalWatcherError,
  MalformedFrameError,
  MetricsConflictError,
  MountsFileError,
  OptionsError,
  OverflowError,
  PollError,
  PollFailedError,
  PollFetchError,
  PollMappingError,
  QueueClosedError,
  QueueError,
  RevisionError,
  RouteKeyError,
  RouterClosedError,
  RouterError,
  SlowClientError,
  SourceError,
  UnmappedWatchError,
  WatcherClosedError,
  WatcherNameError,
} from './errors.ts';
export {
  Action,
  actionName,
  isAction,
  isContainerPause,
  isContainerStart,
  isContainerStop,
} from './events/action.ts';
export { dockerActionMap } from './events/docker-action-map.ts';
export type { Event, EventInit } from './events/event.ts';
export { createEvent, EventType } from './events/event.ts';
export { formatEvent } from './events/format-event.ts';
export type { JfsDaemonOptions, JfsDaemonStats } from './jfs-daemon/jfs-daemon.ts';
export { JfsDaemon } from './jfs-daemon/jfs-daemon.ts';
export type { JfsProxyStats, RedisLinkStatus } from './jfs-proxy/jfs-proxy.ts';
export { JfsProxy } from './jfs-proxy/jfs-proxy.ts';
export type { JfsProxyOptions } from './jfs-proxy/jfs-proxy-options.ts';
export type { ContainerRef, MountResolver, PodMount } from './jfs-proxy/mount-table.ts';
export {
  isWithin,
  nodeToPodPath,
  parseChannelId,
  podToNodePath,
} from './jfs-proxy/mount-table.ts';
export type { ParsedNotifyMessage } from './jfs-proxy/notify-message.ts';
export {
  formatNotifyMessage,
  NOTIFY_CHANNEL,
  parseNotifyMessage,
} from './jfs-proxy/notify-message.ts';
export type {
  DaemonMarker,
  GapReason,
  NotifyNames,
  StreamEntry,
} from './jfs-proxy/notify-stream.ts';
export {
  eventFields,
  gapReasons,
  markerFields,
  notifyNames,
  parseStreamEntry,
} from './jfs-proxy/notify-stream.ts';
export type { ContainerMounts } from './jfs-proxy/static-mount-resolver.ts';
export { StaticMountResolver } from './jfs-proxy/static-mount-resolver.ts';
export { CONTROL_CHANNEL, REGISTRY_PREFIX } from './jfs-proxy/watch-registry.ts';
export type { BatchEventsOptions } from './queue/batch-events.ts';
export { batchEvents } from './queue/batch-events.ts';
export type { BatchOptions } from './queue/batch-options.ts';
export { OverflowPolicy } from './queue/batch-options.ts';
export type { Batcher } from './queue/batcher.ts';
export type { CoalesceKey } from './queue/coalesce.ts';
export { coalesce, coalesceBatch, defaultCoalesceKey, mergeEvents } from './queue/coalesce.ts';
export type { QueueStats } from './queue/event-queue.ts';
export { EventQueue } from './queue/event-queue.ts';
export type { EventQueueOptions, FlushHandler, RetryOptions } from './queue/event-queue-options.ts';
export type { Taken } from './queue/pending-buffer.ts';
export type {
  DockerClient,
  DockerConnection,
  DockerContainerSummary,
  DockerContainersQuery,
  DockerEventsQuery,
} from './sources/docker/docker-client.ts';
export { dockerClient } from './sources/docker/docker-client.ts';
export { dockerSource } from './sources/docker/docker-source.ts';
export type { DockerSourceOptions } from './sources/docker/docker-source-options.ts';
export { InitialState } from './sources/docker/docker-source-options.ts';
export type { InitialDockerEvent } from './sources/docker/initial-events.ts';
export type { SourceContext, SourceProducer, SourceStatus } from './sources/event-source.ts';
export { EventSource, SourceStatusKind } from './sources/event-source.ts';
export { fileSource } from './sources/file/file-source.ts';
export type {
  AwaitWriteFinishOptions,
  FileMatcher,
  FileSourceOptions,
} from './sources/file/file-source-options.ts';
export type { JfsAddress } from './sources/jfs/address.ts';
export { DEFAULT_NOTIFY_SERVER, formatAddress, parseAddress } from './sources/jfs/address.ts';
export { createNotifyWatcher } from './sources/jfs/create-notify-watcher.ts';
export { decodePayload } from './sources/jfs/decode-payload.ts';
export { encodeEvents, encodeFrame, encodeMessage } from './sources/jfs/encode-message.ts';
export { EVENT_RECORD_SIZE, FIELD_SIZE } from './sources/jfs/field.ts';
export type { DecodedItem } from './sources/jfs/frame-decoder.ts';
export { DEFAULT_MAX_FRAME_LENGTH, FrameDecoder } from './sources/jfs/frame-decoder.ts';
export type { ChannelIdParts } from './sources/jfs/jfs-channel-id.ts';
export { jfsChannelId } from './sources/jfs/jfs-channel-id.ts';
export type { JfsEventMapping } from './sources/jfs/jfs-event-to-events.ts';
export { jfsEventToEvents } from './sources/jfs/jfs-event-to-events.ts';
export type {
  JfsChannelMessage,
  JfsEvent,
  JfsEventMessage,
  JfsMessage,
  JfsPathsMessage,
} from './sources/jfs/jfs-message.ts';
export type { JfsSourceOptions } from './sources/jfs/jfs-source.ts';
export { jfsSource } from './sources/jfs/jfs-source.ts';
export { JfsWatcher } from './sources/jfs/jfs-watcher.ts';
export type { JfsWatcherOptions } from './sources/jfs/jfs-watcher-options.ts';
export { FsType } from './sources/jfs/jfs-watcher-options.ts';
export { LocalNotifyWatcher } from './sources/jfs/local-notify-watcher.ts';
export { MessageType, messageTypeName } from './sources/jfs/message-type.ts';
export type { NotifyWatcher, WatcherStatus } from './sources/jfs/notify-watcher.ts';
export { Op, opHas, opString } from './sources/jfs/op.ts';
export { PollSource, pollSource } from './sources/poll/poll-source.ts';
export type {
  PollFetch,
  PollRecord,
  PollRequest,
  PollResponse,
  PollSourceOptions,
} from './sources/poll/poll-source-options.ts';
export type { Revision } from './sources/poll/revision.ts';
export { compareRevisions, isRevision, parseRevision } from './sources/poll/revision.ts';
