import { Action } from '../../events/action.ts';
import { createEvent, type Event, EventType } from '../../events/event.ts';
import type { DockerContainerSummary } from './docker-client.ts';

/** An event of the initial state: a container found running (or paused) when the source started. */
export interface InitialDockerEvent extends Event {
  /** Marks the synthetic events of `initialState: 'containers'`. */
  readonly initial: true;
}

/** Which listed containers the source reports, as the daemon filters its events. */
export interface InitialEventsFilter {
  /** Names or ids; a prefix matches, as in Docker's `container` events filter. Empty: all. */
  readonly containers: readonly string[];
  /** Docker actions; empty: all. A start is reported only if `start` passes, a pause if `pause` does. */
  readonly events: readonly string[];
}

/**
 * A synthetic start event (a pause event, for a paused container) per listed container, shaped
 * like a real one: attributes are the labels plus `name` and `image`.
 */
export function initialEvents(
  containers: readonly DockerContainerSummary[],
  filter: InitialEventsFilter,
  time: number = Date.now(),
): InitialDockerEvent[] {
  const events: InitialDockerEvent[] = [];
  for (const container of containers) {
    const paused = container.State === 'paused';
    if (!paused && container.State !== 'running') continue;
    if (filter.events.length > 0 && !filter.events.includes(paused ? 'pause' : 'start')) continue;
    const name = (container.Names[0] ?? '').replace(/^\//, '') || container.Id.slice(0, 12);
    if (!matches(filter.containers, container.Id, name)) continue;
    const attributes: Record<string, string> = { ...container.Labels };
    if (container.Image !== undefined) attributes['image'] = container.Image;
    attributes['name'] = name;
    const event = createEvent({
      type: EventType.Docker,
      action: paused ? Action.ContainerPause : Action.ContainerStart,
      actorId: container.Id,
      actorName: name,
      actorAttributes: Object.freeze(attributes),
      time,
    });
    events.push(Object.freeze({ ...event, initial: true as const }));
  }
  return events;
}

function matches(filters: readonly string[], id: string, name: string): boolean {
  return filters.length === 0 || filters.some((f) => id.startsWith(f) || name.startsWith(f));
}
