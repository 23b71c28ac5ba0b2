import { Action } from '../../events/action.ts';
import { createEvent, type Event, EventType } from '../../events/event.ts';
import { type DockerMessage, nanosToMillis } from './docker-message.ts';

/**
 * The {@link Action} of a Docker action: an exact entry of `actionMap`, else the entry for the
 * part before a colon (`health_status: healthy` -> `health_status`), else null.
 */
export function lookupAction(
  action: string,
  actionMap: ReadonlyMap<string, Action>,
): Action | null {
  const exact = actionMap.get(action);
  if (exact !== undefined) return exact;
  const colon = action.indexOf(':');
  return colon === -1 ? null : (actionMap.get(action.slice(0, colon)) ?? null);
}

/**
 * A container message as an {@link Event}: `actorId` = container id, `actorName` = container
 * name, `actorAttributes` = the actor's attributes (labels, `name`, `image`), `time` from
 * `timeNano`. Null when the action is not in `actionMap`.
 */
export function toDockerEvent(
  message: DockerMessage,
  actionMap: ReadonlyMap<string, Action>,
): Event | null {
  const action = lookupAction(message.action, actionMap);
  if (action === null) return null;
  return createEvent({
    type: EventType.Docker,
    action,
    actorId: message.actorId,
    actorName: message.attributes['name'] ?? message.actorId.slice(0, 12),
    actorAttributes: message.attributes,
    time: nanosToMillis(message.timeNano),
  });
}

/** "State may have changed in ways no event describes: re-list." */
export function dockerForceReload(time: number = Date.now()): Event {
  return createEvent({ type: EventType.Docker, action: Action.ForceReload, actorName: '', time });
}
