import { describe, expect, it } from 'vitest';
import { Action, dockerActionMap } from '../../../../lib/index.ts';
import type { DockerMessage } from '../../../../lib/sources/docker/docker-message.ts';
import { parseDockerMessage } from '../../../../lib/sources/docker/docker-message.ts';
import { initialEvents } from '../../../../lib/sources/docker/initial-events.ts';
import {
  dockerForceReload,
  lookupAction,
  toDockerEvent,
} from '../../../../lib/sources/docker/to-docker-event.ts';
import { fixture } from './fixture.ts';

const defaultMap: ReadonlyMap<string, Action> = new Map(Object.entries(dockerActionMap));

function messages(name: 'lifecycle' | 'mixed'): DockerMessage[] {
  return fixture(name).lines.map(
    (line) => parseDockerMessage(JSON.parse(line), line) as DockerMessage,
  );
}

describe('toDockerEvent', () => {
  it('maps a real lifecycle: action, name, id, attributes, time', () => {
    const all = messages('lifecycle');
    const events = all.map((m) => toDockerEvent(m, defaultMap));
    expect(events.map((e) => e?.action)).toEqual([
      Action.ContainerCreate,
      Action.ContainerStart,
      Action.ContainerPause,
      Action.ContainerUnpause,
      Action.ContainerKill,
      Action.ContainerDie,
      Action.ContainerStop,
      Action.ContainerStart,
      Action.ContainerKill,
      Action.ContainerDie,
      Action.ContainerDestroy,
      Action.ContainerCreate,
      Action.ContainerDestroy,
    ]);
    const first = events[0];
    const source = all[0] as DockerMessage;
    expect(first).toEqual({
      type: 'docker',
      actorName: 'fixture-web',
      actorId: source.actorId,
      actorAttributes: source.attributes,
      action: Action.ContainerCreate,
      time: Number(source.timeNano / 1_000_000n),
    });
    expect(Object.isFrozen(first)).toBe(true);
    expect(events[4]?.actorAttributes['signal']).toBe('15');
  });

  it('drops actions the map does not name', () => {
    const message: DockerMessage = {
      type: 'container',
      action: 'exec_start: sh -c true',
      actorId: 'c1',
      attributes: { name: 'web' },
      timeNano: 1n,
    };
    expect(toDockerEvent(message, defaultMap)).toBeNull();
    const withExec = new Map([...defaultMap, ['exec_start', Action.ContainerStart]]);
    expect(toDockerEvent(message, withExec)?.action).toBe(Action.ContainerStart);
  });

  it('looks an action up exactly, then by the part before a colon', () => {
    const map = new Map<string, Action>([
      ['health_status', Action.ContainerStart],
      ['health_status: unhealthy', Action.ContainerStop],
    ]);
    expect(lookupAction('health_status: healthy', map)).toBe(Action.ContainerStart);
    expect(lookupAction('health_status: unhealthy', map)).toBe(Action.ContainerStop);
    expect(lookupAction('health_status', map)).toBe(Action.ContainerStart);
    expect(lookupAction('toString', map)).toBeNull();
  });

  it('names a container by its short id when the daemon sends no name', () => {
    const message: DockerMessage = {
      type: 'container',
      action: 'start',
      actorId: '0123456789abcdef',
      attributes: {},
      timeNano: 1n,
    };
    expect(toDockerEvent(message, defaultMap)?.actorName).toBe('0123456789ab');
  });

  it('makes a ForceReload that names no actor', () => {
    expect(dockerForceReload(5)).toEqual({
      type: 'docker',
      actorName: '',
      actorId: '',
      actorAttributes: {},
      action: Action.ForceReload,
      time: 5,
    });
  });
});

describe('initialEvents', () => {
  const containers = [
    {
      Id: 'aaa111',
      Names: ['/web'],
      Labels: { 'proxy.port': '80' },
      Image: 'nginx',
      State: 'running',
    },
    { Id: 'bbb222', Names: ['/db'], Labels: {}, Image: 'postgres', State: 'paused' },
    { Id: 'ccc333', Names: ['/old'], Labels: {}, State: 'exited' },
  ];

  it('makes a start per running container and a pause per paused one, marked initial', () => {
    const events = initialEvents(containers, { containers: [], events: [] }, 7);
    expect(events).toEqual([
      {
        type: 'docker',
        actorName: 'web',
        actorId: 'aaa111',
        actorAttributes: { 'proxy.port': '80', image: 'nginx', name: 'web' },
        action: Action.ContainerStart,
        time: 7,
        initial: true,
      },
      {
        type: 'docker',
        actorName: 'db',
        actorId: 'bbb222',
        actorAttributes: { image: 'postgres', name: 'db' },
        action: Action.ContainerPause,
        time: 7,
        initial: true,
      },
    ]);
  });

  it('applies the container and event filters as the daemon would', () => {
    const byName = initialEvents(containers, { containers: ['we'], events: [] });
    expect(byName.map((e) => e.actorName)).toEqual(['web']);
    const byId = initialEvents(containers, { containers: ['bbb'], events: [] });
    expect(byId.map((e) => e.actorName)).toEqual(['db']);
    const startsOnly = initialEvents(containers, { containers: [], events: ['start', 'die'] });
    expect(startsOnly.map((e) => e.actorName)).toEqual(['web']);
  });
});
