import { Action, isContainerPause, isContainerStart, isContainerStop } from '../events/action.ts';

/** The groups {@link byActionGroup} sorts events into: what a consumer typically reacts to alike. */
export const ActionGroup = {
  /** Create, start or unpause: the container is (about to be) running. */
  ContainerStart: 'container-start',
  /** Kill, stop or die. */
  ContainerStop: 'container-stop',
  /** Pause. */
  ContainerPause: 'container-pause',
  /** Destroy: the container is gone. */
  ContainerDestroy: 'container-destroy',
  /** Written, created, deleted or renamed. */
  File: 'file',
  /** ForceReload, of any event type: re-list everything. */
  Reload: 'reload',
  /** A value that is no single known action (never produced by batchwatch's sources). */
  Other: 'other',
} as const;

/** One of the {@link ActionGroup} values. */
export type ActionGroup = (typeof ActionGroup)[keyof typeof ActionGroup];

const fileMask = Action.FileWritten | Action.FileCreated | Action.FileDeleted | Action.FileRenamed;

/**
 * The group of an action, by the predicates of `events/action.ts`.
 *
 * @example actionGroup(Action.ContainerDie) // 'container-stop'
 */
export function actionGroup(action: number): ActionGroup {
  if (action === Action.ForceReload) return ActionGroup.Reload;
  if (isContainerStart(action)) return ActionGroup.ContainerStart;
  if (isContainerStop(action)) return ActionGroup.ContainerStop;
  if (isContainerPause(action)) return ActionGroup.ContainerPause;
  if (action === Action.ContainerDestroy) return ActionGroup.ContainerDestroy;
  if (action !== 0 && (action & ~fileMask) === 0) return ActionGroup.File;
  return ActionGroup.Other;
}
