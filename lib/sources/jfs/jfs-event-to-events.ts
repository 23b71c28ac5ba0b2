import { Action } from '../../events/action.ts';
import { createEvent, type Event, EventType } from '../../events/event.ts';
import type { JfsEvent } from '../../jfs-protocol/jfs-message.ts';
import { Op, opString } from '../../jfs-protocol/op.ts';

/** How {@link jfsEventToEvents} maps ops. */
export interface JfsEventMapping {
  /** Map Chmod to FileWritten instead of ignoring it. */
  readonly chmod: boolean;
  /** The events' time, in ms since the epoch (the protocol carries none). */
  readonly time: number;
}

// Life-cycle order: the path appears, changes, moves away, disappears.
const order: readonly (readonly [number, Action])[] = [
  [Op.Create, Action.FileCreated],
  [Op.Write | Op.Chmod, Action.FileWritten],
  [Op.Rename, Action.FileRenamed],
  [Op.Remove, Action.FileDeleted],
];

/**
 * The {@link Event}s of one JFS event: one per distinct action its op maps
 * to, in the order created, written, renamed, deleted (Create -> FileCreated,
 * Write -> FileWritten, Rename -> FileRenamed, Remove -> FileDeleted; Chmod ->
 * FileWritten when `chmod` is set, else ignored). An op that maps to nothing
 * gives no event. `actorName` and `actorId` are the path; the attributes are
 * `path`, `key` (the watched directory) and `op` (Go's `Op.String()`).
 */
export function jfsEventToEvents(event: JfsEvent, mapping: JfsEventMapping): Event[] {
  const op = mapping.chmod ? event.op : event.op & ~Op.Chmod;
  const events: Event[] = [];
  let attributes: Readonly<Record<string, string>> | undefined;
  for (const [bits, action] of order) {
    if ((op & bits) === 0) continue;
    attributes ??= Object.freeze({ path: event.name, key: event.key, op: opString(event.op) });
    events.push(
      createEvent({
        type: EventType.File,
        actorName: event.name,
        actorId: event.name,
        actorAttributes: attributes,
        action,
        time: mapping.time,
      }),
    );
  }
  return events;
}
