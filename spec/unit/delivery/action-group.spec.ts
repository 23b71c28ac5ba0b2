import { describe, expect, it } from 'vitest';
import { ActionGroup, actionGroup } from '../../../lib/delivery/action-group.ts';
import { byActionGroup, byType } from '../../../lib/delivery/route-key.ts';
import { Action } from '../../../lib/events/action.ts';
import { dockerEvent, fileEvent, forceReload } from '../../../lib/testing/index.ts';

describe('action groups', () => {
  it('sort every action into its group', () => {
    const groups = Object.fromEntries(
      Object.entries(Action).map(([name, action]) => [name, actionGroup(action)]),
    );
    expect(groups).toEqual({
      FileWritten: 'file',
      FileCreated: 'file',
      FileDeleted: 'file',
      FileRenamed: 'file',
      ContainerCreate: 'container-start',
      ContainerStart: 'container-start',
      ContainerUnpause: 'container-start',
      ContainerKill: 'container-stop',
      ContainerStop: 'container-stop',
      ContainerPause: 'container-pause',
      ContainerDie: 'container-stop',
      ContainerDestroy: 'container-destroy',
      ForceReload: 'reload',
    });
    expect(actionGroup(0)).toBe(ActionGroup.Other);
    expect(actionGroup(1 << 20)).toBe(ActionGroup.Other);
  });

  it('give the common keys', () => {
    expect(byActionGroup(dockerEvent.destroy('a'))).toBe('container-destroy');
    expect(byActionGroup(forceReload('file'))).toBe('reload');
    expect(byType(fileEvent.deleted('/x'))).toBe('file');
    expect(byType(dockerEvent.kill('a'))).toBe('docker');
  });
});
