/**
 * What happened to an actor. Each action is one distinct bit, so sets of
 * actions combine with `|` and test with `&`. The values are GoDoxy's and are
 * stable: they may be stored, logged or sent over the wire.
 */
export const Action = {
  FileWritten: 1,
  FileCreated: 2,
  FileDeleted: 4,
  FileRenamed: 8,
  ContainerCreate: 16,
  ContainerStart: 32,
  ContainerUnpause: 64,
  ContainerKill: 128,
  ContainerStop: 256,
  ContainerPause: 512,
  ContainerDie: 1024,
  ContainerDestroy: 2048,
  /** State may have changed in ways no event describes: re-list. */
  ForceReload: 4096,
} as const;

/** One of the {@link Action} values. */
export type Action = (typeof Action)[keyof typeof Action];

const startMask = Action.ContainerCreate | Action.ContainerStart | Action.ContainerUnpause;
const stopMask = Action.ContainerKill | Action.ContainerStop | Action.ContainerDie;

/** True for any of create, start or unpause: the container is (about to be) running. */
export function isContainerStart(action: number): boolean {
  return (action & startMask) !== 0;
}

/** True for any of kill, stop or die (not pause, not destroy). */
export function isContainerStop(action: number): boolean {
  return (action & stopMask) !== 0;
}

/** True for exactly pause. */
export function isContainerPause(action: number): boolean {
  return action === Action.ContainerPause;
}

const names: ReadonlyMap<number, string> = new Map<number, string>([
  [Action.FileWritten, 'written'],
  [Action.FileCreated, 'created'],
  [Action.FileDeleted, 'deleted'],
  [Action.FileRenamed, 'renamed'],
  [Action.ContainerCreate, 'created'],
  [Action.ContainerStart, 'started'],
  [Action.ContainerUnpause, 'unpaused'],
  [Action.ContainerKill, 'killed'],
  [Action.ContainerStop, 'stopped'],
  [Action.ContainerPause, 'paused'],
  [Action.ContainerDie, 'died'],
  [Action.ContainerDestroy, 'destroyed'],
  [Action.ForceReload, 'force-reloaded'],
]);

/**
 * The past-tense name of an action, as GoDoxy prints it: `started`, `written`...
 * A value that is not exactly one known action gives `unknown(<value>)`.
 *
 * @example actionName(Action.ContainerStart) // 'started'
 */
export function actionName(action: number): string {
  return names.get(action) ?? `unknown(${action})`;
}

/** True when `value` is exactly one of the {@link Action} values. */
export function isAction(value: unknown): value is Action {
  return typeof value === 'number' && names.has(value);
}
