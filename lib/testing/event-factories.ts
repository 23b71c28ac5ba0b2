import { Action } from '../events/action.ts';
import { createEvent, type Event, EventType } from '../events/event.ts';

/** Optional fields of a test event. `time` defaults to 0 so that events compare equal across runs. */
export interface TestEventInit {
  readonly id?: string;
  readonly attributes?: Readonly<Record<string, string>>;
  readonly time?: number;
}

function make(
  type: EventType,
  action: Action,
  name: string,
  init: TestEventInit,
  defaultId: string,
  oldName?: string,
): Event {
  return createEvent({
    type,
    action,
    actorName: name,
    actorId: init.id ?? defaultId,
    actorAttributes: init.attributes ?? {},
    time: init.time ?? 0,
    ...(oldName === undefined ? {} : { oldName }),
  });
}

type DockerFactory = (name: string, init?: TestEventInit) => Event;

function docker(action: Action): DockerFactory {
  return (name, init = {}) => make(EventType.Docker, action, name, init, `id-${name}`);
}

/**
 * Container events for tests, one factory per lifecycle action. The id
 * defaults to `id-<name>`.
 *
 * @example dockerEvent.start('nginx', { attributes: { 'proxy.port': '80' } })
 */
export const dockerEvent = {
  create: docker(Action.ContainerCreate),
  start: docker(Action.ContainerStart),
  unpause: docker(Action.ContainerUnpause),
  kill: docker(Action.ContainerKill),
  stop: docker(Action.ContainerStop),
  pause: docker(Action.ContainerPause),
  die: docker(Action.ContainerDie),
  destroy: docker(Action.ContainerDestroy),
} as const;

type FileFactory = (path: string, init?: TestEventInit) => Event;

function file(action: Action): FileFactory {
  return (path, init = {}) => make(EventType.File, action, path, init, path);
}

/**
 * File events for tests. The id (the absolute path in real events) defaults
 * to the path given.
 *
 * @example fileEvent.renamed('config.old.yml', 'config.yml')
 */
export const fileEvent = {
  written: file(Action.FileWritten),
  created: file(Action.FileCreated),
  deleted: file(Action.FileDeleted),
  renamed: (oldPath: string, path: string, init: TestEventInit = {}): Event =>
    make(EventType.File, Action.FileRenamed, path, init, path, oldPath),
} as const;

/** A ForceReload of the given type, naming no actor. */
export function forceReload(type: EventType, init: TestEventInit = {}): Event {
  return make(type, Action.ForceReload, '', init, '');
}
