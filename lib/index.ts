// The root entry point, `batchwatch`: the event model, the queue and its operators, route(), the
// retry policy, EventSource, and the file and poll sources, with their errors. Nothing here loads
// dockerode, ioredis or prom-client: Docker is `batchwatch/docker`, JFS (client, proxy, daemon,
// protocol) `batchwatch/jfs`, Prometheus `batchwatch/metrics`, the test kit `batchwatch/testing`.

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
  DeadLetterError,
  HandlerTimeoutError,
  RouteKeyError,
  RouterClosedError,
  RouterError,
} from './delivery/router-errors.ts';
export {
  BatchwatchError,
  CallbackError,
  OptionsError,
  QueueError,
  SourceError,
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
export { InotifyOverflowError } from './local-watcher/inotify-overflow-error.ts';
export { FileWatchError, FileWatchFallbackError } from './local-watcher/watch-errors.ts';
export { MAX_DURATION_MS } from './options.ts';
export type { BatchEventsOptions } from './queue/batch-events.ts';
export { batchEvents } from './queue/batch-events.ts';
export type { BatchOptions } from './queue/batch-options.ts';
export { OverflowPolicy } from './queue/batch-options.ts';
export type { CoalesceKey } from './queue/coalesce.ts';
export { coalesce, defaultCoalesceKey } from './queue/coalesce.ts';
export type { QueueStats, TypeStats } from './queue/event-queue.ts';
export { EventQueue } from './queue/event-queue.ts';
export type { EventQueueOptions, FlushHandler, RetryOptions } from './queue/event-queue-options.ts';
export { HoldTimeoutWarning } from './queue/hold-errors.ts';
export type { HoldOptions } from './queue/hold-options.ts';
export type { HoldRelease } from './queue/hold-set.ts';
export {
  FlushError,
  OverflowError,
  QueueClosedError,
  SourceWarning,
} from './queue/queue-errors.ts';
export type { QueueSource } from './queue/source-subscription.ts';
export type { SourceContext, SourceProducer, SourceStatus } from './sources/event-source.ts';
export { EventSource, SourceStatusKind } from './sources/event-source.ts';
export { FileRootGoneError } from './sources/file/file-errors.ts';
export { fileSource } from './sources/file/file-source.ts';
export type {
  AwaitWriteFinishOptions,
  FileMatcher,
  FileSourceOptions,
} from './sources/file/file-source-options.ts';
export {
  CompactedError,
  PollError,
  PollFailedError,
  PollFetchError,
  PollMappingError,
  RevisionError,
} from './sources/poll/poll-errors.ts';
export { PollSource, pollSource } from './sources/poll/poll-source.ts';
export type {
  PollFetch,
  PollRecord,
  PollRequest,
  PollResponse,
  PollSourceOptions,
} from './sources/poll/poll-source-options.ts';
export type { Revision } from './sources/poll/revision.ts';
export { compareRevisions } from './sources/poll/revision.ts';
