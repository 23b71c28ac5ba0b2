import { actionName } from './action.ts';
import type { Event } from './event.ts';

/**
 * `"<action name> <actorName>"`, as GoDoxy logs an event; just the action
 * name when the event names no actor (a ForceReload).
 *
 * @example formatEvent(event) // 'started nginx'
 */
export function formatEvent(event: Event): string {
  const name = actionName(event.action);
  return event.actorName === '' ? name : `${name} ${event.actorName}`;
}
