// Synthetic events for tests: one factory per action, frozen, with stable defaults.
import { describe, expect, it } from 'vitest';
import { Action, isContainerStop } from '../../../lib/index.ts';
import { dockerEvent, fileEvent, forceReload } from '../../../lib/testing/index.ts';

describe('event factories', () => {
  it('make one frozen docker event per lifecycle action, with a default id and time 0', () => {
    const made = Object.values(dockerEvent).map((make) =>
      make('web', { attributes: { tier: 'front' } }),
    );
    expect(made.map((event) => event.action)).toEqual([
      Action.ContainerCreate,
      Action.ContainerStart,
      Action.ContainerUnpause,
      Action.ContainerKill,
      Action.ContainerStop,
      Action.ContainerPause,
      Action.ContainerDie,
      Action.ContainerDestroy,
    ]);
    expect(
      made.every(
        (event) => Object.isFrozen(event) && event.actorId === 'id-web' && event.time === 0,
      ),
    ).toBe(true);
    expect(made.filter((event) => isContainerStop(event.action))).toHaveLength(3);
    expect(made[0]?.actorAttributes).toEqual({ tier: 'front' });
  });

  it('make file events keyed by path, and renames with oldName', () => {
    expect(fileEvent.written('/etc/a.yml')).toMatchObject({
      type: 'file',
      actorName: '/etc/a.yml',
      actorId: '/etc/a.yml',
    });
    expect(fileEvent.renamed('/etc/a.yml', '/etc/b.yml', { time: 5 })).toMatchObject({
      action: Action.FileRenamed,
      actorName: '/etc/b.yml',
      oldName: '/etc/a.yml',
      time: 5,
    });
    expect(forceReload('docker')).toMatchObject({
      type: 'docker',
      action: Action.ForceReload,
      actorName: '',
    });
  });
});
