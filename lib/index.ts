// The public API of batchwatch. Everything users may import is listed here; nothing else is public.

export type { ExponentialBackoffOptions, RetryPolicy } from './backoff.ts';
export { exponentialBackoff } from './backoff.ts';
export {
  BatchwatchError,
  FlushError,
  OptionsError,
  OverflowError,
  QueueClosedError,
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
