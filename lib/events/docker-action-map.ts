import { Action } from './action.ts';

/**
 * Docker's container event actions that batchwatch maps, and their
 * {@link Action}. Other actions (exec_start, attach, health_status...) are not
 * errors: sources drop them unless asked to pass them through.
 */
export const dockerActionMap: Readonly<Record<string, Action>> = Object.freeze({
  create: Action.ContainerCreate,
  start: Action.ContainerStart,
  unpause: Action.ContainerUnpause,
  kill: Action.ContainerKill,
  stop: Action.ContainerStop,
  pause: Action.ContainerPause,
  die: Action.ContainerDie,
  destroy: Action.ContainerDestroy,
});
