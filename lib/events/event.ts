import type { Action } from './action.ts';

/** Where an event comes from. */
export const EventType = {
  Docker: 'docker',
  File: 'file',
} as const;

/** One of the {@link EventType} values. */
export type EventType = (typeof EventType)[keyof typeof EventType];

/**
 * One normalized change. Events are plain frozen objects: compare them by
 * value, pass them across threads or serialize them with `JSON.stringify`.
 * Sources may add read-only fields of their own, such as `oldName` on a
 * rename.
 */
export interface Event {
  readonly type: EventType;
  /** Container name, or the path relative to the watched root. */
  readonly actorName: string;
  /** Container id, or the absolute path. Empty when the event names no actor (a ForceReload). */
  readonly actorId: string;
  /** Docker labels and attributes, or file details (`path`, `root`, ...). */
  readonly actorAttributes: Readonly<Record<string, string>>;
  readonly action: Action;
  /** When the change happened, in ms since the epoch. */
  readonly time: number;
  /** The previous name, on a rename. */
  readonly oldName?: string;
}

/** The fields of an {@link Event}; `actorId`, `actorAttributes` and `time` may be left out. */
export interface EventInit {
  readonly type: EventType;
  readonly actorName: string;
  readonly action: Action;
  readonly actorId?: string;
  readonly actorAttributes?: Readonly<Record<string, string>>;
  readonly time?: number;
  readonly oldName?: string;
}

const noAttributes: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Makes a frozen {@link Event}. Missing fields default to an empty id, no
 * attributes and `Date.now()`.
 *
 * @example createEvent({ type: 'docker', actorName: 'nginx', action: Action.ContainerStart })
 */
export function createEvent(init: EventInit): Event {
  const event: Event = {
    type: init.type,
    actorName: init.actorName,
    actorId: init.actorId ?? '',
    actorAttributes: init.actorAttributes ?? noAttributes,
    action: init.action,
    time: init.time ?? Date.now(),
    ...(init.oldName === undefined ? {} : { oldName: init.oldName }),
  };
  return Object.freeze(event);
}
