import type { OperatorFunction } from 'rxjs';
import { filter } from 'rxjs/internal/operators/filter';
import { map } from 'rxjs/internal/operators/map';
import { Action } from '../events/action.ts';
import { createEvent, type Event } from '../events/event.ts';

/** Gives the key under which events are coalesced: one event per key per batch. */
export type CoalesceKey = (event: Event) => string;

/**
 * The actor part of the default coalescing key: the container id, or the
 * absolute path of a file; the name when there is no id.
 */
export function coalesceActor(event: Event): string {
  return event.actorId === '' ? event.actorName : event.actorId;
}

/**
 * The default coalescing key: the event type and the actor
 * ({@link coalesceActor}). The queue's buffer uses these two parts as they
 * are, type then actor, without building the string.
 */
export const defaultCoalesceKey: CoalesceKey = (event) =>
  `${event.type}\u0000${coalesceActor(event)}`;

/**
 * `keyOf` made safe: a key function is user code, and an event whose key
 * throws is kept apart (never lost, never merged), under a key of its own.
 */
export function safeCoalesceKey(keyOf: CoalesceKey): (event: Event) => unknown {
  return (event) => {
    try {
      return keyOf(event);
    } catch {
      return Symbol('uncoalesced');
    }
  };
}

/**
 * Merges two events of the same key, `earlier` arrived first. Returns the one
 * event that stands for both, or `undefined` when they cancel out.
 *
 * - anything + ForceReload, ForceReload + anything = ForceReload
 * - created + written = created; renamed + written = renamed
 * - created + deleted = nothing (the file came and went within the batch)
 * - renamed a -> b + deleted b = deleted a
 * - deleted + created = written (the file was replaced)
 * - otherwise the later event stands: written + deleted = deleted,
 *   started + stopped = stopped, ...
 */
export function mergeEvents(earlier: Event, later: Event): Event | undefined {
  if (earlier.action === Action.ForceReload) return earlier;
  switch (later.action) {
    case Action.FileWritten:
      if (earlier.action === Action.FileCreated || earlier.action === Action.FileRenamed) {
        return earlier;
      }
      return later;
    case Action.FileDeleted:
      if (earlier.action === Action.FileCreated) return undefined;
      // Renamed a -> b, then b deleted: all that is left to tell is that a is gone.
      if (earlier.action === Action.FileRenamed && earlier.oldName !== undefined) {
        return deletedOldName(earlier, later);
      }
      return later;
    case Action.FileCreated:
      return earlier.action === Action.FileDeleted ? withAction(later, Action.FileWritten) : later;
    default:
      return later;
  }
}

function deletedOldName(renamed: Event, deleted: Event): Event {
  const { oldName: _, ...rest } = deleted;
  const oldPath = renamed.actorAttributes['oldPath'];
  return createEvent({
    ...rest,
    actorName: renamed.oldName as string,
    actorId: oldPath ?? renamed.oldName ?? '',
    actorAttributes:
      oldPath === undefined
        ? deleted.actorAttributes
        : { ...deleted.actorAttributes, path: oldPath },
  });
}

function withAction(event: Event, action: Action): Event {
  return createEvent({ ...event, action });
}

/**
 * Coalesces one batch: one event per key, at the position of the key's first
 * event, merged with {@link mergeEvents}. A key that cancels out and comes
 * back takes the position of its return. An event whose key throws is kept
 * as it is.
 */
export function coalesceBatch(
  events: readonly Event[],
  keyOf: CoalesceKey = defaultCoalesceKey,
): Event[] {
  const keyFor = safeCoalesceKey(keyOf);
  const merged = new Map<unknown, Event>();
  for (const event of events) {
    const key = keyFor(event);
    const earlier = merged.get(key);
    if (earlier === undefined) {
      merged.set(key, event);
      continue;
    }
    const result = mergeEvents(earlier, event);
    if (result === undefined) merged.delete(key);
    else merged.set(key, result);
  }
  return [...merged.values()];
}

/**
 * An operator that coalesces each batch with {@link coalesceBatch}; empty
 * results are not passed on.
 *
 * @example batches$.pipe(coalesce())
 */
export function coalesce(
  keyOf: CoalesceKey = defaultCoalesceKey,
): OperatorFunction<readonly Event[], readonly Event[]> {
  return (source) =>
    source.pipe(
      map((batch) => coalesceBatch(batch, keyOf)),
      filter((batch) => batch.length > 0),
    );
}
