import { describe, expect, it } from 'vitest';
import {
  Action,
  actionName,
  isAction,
  isContainerPause,
  isContainerStart,
  isContainerStop,
} from '../../../lib/index.ts';

describe('Action', () => {
  it('has GoDoxy values: distinct single bits from 1 to 4096', () => {
    expect(Action).toEqual({
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
      ForceReload: 4096,
    });
  });

  const all = Object.values(Action);

  it('isContainerStart is true for create, start and unpause only', () => {
    expect(all.filter(isContainerStart)).toEqual([
      Action.ContainerCreate,
      Action.ContainerStart,
      Action.ContainerUnpause,
    ]);
  });

  it('isContainerStop is true for kill, stop and die only (not pause, not destroy)', () => {
    expect(all.filter(isContainerStop)).toEqual([
      Action.ContainerKill,
      Action.ContainerStop,
      Action.ContainerDie,
    ]);
  });

  it('isContainerPause is true for exactly pause', () => {
    expect(all.filter(isContainerPause)).toEqual([Action.ContainerPause]);
    expect(isContainerPause(Action.ContainerPause | Action.ContainerStop)).toBe(false);
  });

  it('the predicates accept combined masks', () => {
    expect(isContainerStart(Action.ContainerStart | Action.FileWritten)).toBe(true);
    expect(isContainerStop(Action.ContainerDie | Action.ContainerDestroy)).toBe(true);
  });

  it('names every action as GoDoxy does', () => {
    expect(all.map(actionName)).toEqual([
      'written',
      'created',
      'deleted',
      'renamed',
      'created',
      'started',
      'unpaused',
      'killed',
      'stopped',
      'paused',
      'died',
      'destroyed',
      'force-reloaded',
    ]);
  });

  it('names an unknown value without throwing', () => {
    expect(actionName(3)).toBe('unknown(3)');
    expect(actionName(0)).toBe('unknown(0)');
  });

  it('isAction accepts exactly the known values', () => {
    expect(all.every(isAction)).toBe(true);
    expect([0, 3, 8192, '1', null].some(isAction)).toBe(false);
  });
});
