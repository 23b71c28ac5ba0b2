import type { Event } from '../events/event.ts';
import { actionGroup } from './action-group.ts';

/**
 * A routing key: the name of the handler an event goes to, or `undefined`
 * for none (then the `fallback`, if any). Events whose key throws are not
 * handled: they are reported together, once per batch, as a `RouteKeyError`.
 */
export type RouteKey = (event: Event) => string | undefined;

/** Routes by event type: handlers named `docker` and `file`. */
export const byType: RouteKey = (event) => event.type;

/**
 * Routes by `ActionGroup`: handlers named `container-start`,
 * `container-stop`, `container-pause`, `container-destroy`, `file`, `reload`.
 */
export const byActionGroup: RouteKey = (event) => actionGroup(event.action);
