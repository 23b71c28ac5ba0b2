import { asyncScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Action, isContainerStop } from '../../../lib/index.ts';
import {
  dockerEvent,
  fileEvent,
  forceReload,
  trackTimers,
  virtualTime,
} from '../../../lib/testing/index.ts';

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

describe('virtualTime', () => {
  it('runs a queue in virtual time: a 300 ms window costs nothing', () => {
    const started = Date.now();
    const a = dockerEvent.start('a');
    virtualTime(({ cold, expectObservable, queue }) => {
      const q = queue({ flushInterval: 300 });
      q.start(cold('a', { a }));
      expectObservable(q.flushes$).toBe('300ms x', { x: [a] });
    });
    expect(Date.now() - started).toBeLessThan(250);
  });

  it('fails the run when a marble expectation does not hold', () => {
    const a = dockerEvent.start('a');
    expect(() =>
      virtualTime(({ cold, expectObservable, queue }) => {
        const q = queue({ flushInterval: 3 });
        q.start(cold('a', { a }));
        expectObservable(q.flushes$).toBe('--x', { x: [a] });
      }),
    ).toThrow();
  });
});

describe('trackTimers', () => {
  it('counts scheduled actions until they run or are cancelled', async () => {
    const timers = trackTimers(asyncScheduler);
    const ran: number[] = [];
    timers.schedule(() => ran.push(1), 1);
    const second = timers.schedule(() => ran.push(2), 60_000);
    expect(timers.active).toBe(2);
    second.unsubscribe();
    expect(timers.active).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ran).toEqual([1]);
    expect(timers.active).toBe(0);
  });
});
