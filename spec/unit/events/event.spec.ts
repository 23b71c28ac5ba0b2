import { describe, expect, it } from 'vitest';
import {
  Action,
  createEvent,
  dockerActionMap,
  EventType,
  formatEvent,
} from '../../../lib/index.ts';

describe('createEvent', () => {
  it('makes a frozen plain object with defaults', () => {
    const before = Date.now();
    const event = createEvent({
      type: EventType.Docker,
      actorName: 'nginx',
      action: Action.ContainerStart,
    });
    expect(Object.isFrozen(event)).toBe(true);
    expect(Object.getPrototypeOf(event)).toBe(Object.prototype);
    expect(event).toMatchObject({
      type: 'docker',
      actorName: 'nginx',
      actorId: '',
      actorAttributes: {},
    });
    expect(event.time).toBeGreaterThanOrEqual(before);
    expect(event.time).toBeLessThanOrEqual(Date.now());
    expect('oldName' in event).toBe(false);
  });

  it('keeps every given field, oldName included', () => {
    const event = createEvent({
      type: EventType.File,
      actorName: 'b.yml',
      actorId: '/etc/app/b.yml',
      actorAttributes: { root: '/etc/app' },
      action: Action.FileRenamed,
      time: 42,
      oldName: 'a.yml',
    });
    expect(event).toEqual({
      type: 'file',
      actorName: 'b.yml',
      actorId: '/etc/app/b.yml',
      actorAttributes: { root: '/etc/app' },
      action: Action.FileRenamed,
      time: 42,
      oldName: 'a.yml',
    });
    expect(JSON.parse(JSON.stringify(event))).toEqual(event);
  });
});

describe('formatEvent', () => {
  it('is "<action name> <actorName>"', () => {
    const event = createEvent({
      type: 'docker',
      actorName: 'nginx',
      action: Action.ContainerStart,
    });
    expect(formatEvent(event)).toBe('started nginx');
    expect(
      formatEvent({ ...event, type: 'file', actorName: 'a.yml', action: Action.FileWritten }),
    ).toBe('written a.yml');
  });

  it('is just the action name when no actor is named', () => {
    expect(
      formatEvent(createEvent({ type: 'docker', actorName: '', action: Action.ForceReload })),
    ).toBe('force-reloaded');
  });
});

describe('dockerActionMap', () => {
  it('maps the eight container lifecycle actions and nothing else', () => {
    expect(dockerActionMap).toEqual({
      create: Action.ContainerCreate,
      start: Action.ContainerStart,
      unpause: Action.ContainerUnpause,
      kill: Action.ContainerKill,
      stop: Action.ContainerStop,
      pause: Action.ContainerPause,
      die: Action.ContainerDie,
      destroy: Action.ContainerDestroy,
    });
    expect(dockerActionMap['exec_start']).toBeUndefined();
    expect(Object.isFrozen(dockerActionMap)).toBe(true);
  });
});
