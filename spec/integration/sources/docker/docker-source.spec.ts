import { Socket } from 'node:net';
import Dockerode from 'dockerode';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Event } from '../../../../lib/index.ts';
import { dockerSource } from '../../../../lib/sources/docker/docker-source.ts';
import { createContainer, docker, runContainer, testImage } from '../../../support/dockerd.ts';
import { Action, removeRunContainers, sharedDockerd, testRun } from './support.ts';

const daemon = sharedDockerd();
const runs: string[] = [];
afterAll(async () => {
  for (const label of runs) await removeRunContainers(daemon, label);
});

function run() {
  const r = testRun();
  runs.push(r.label);
  return r;
}

/** Subscribes and collects; the caller unsubscribes. */
function collect(source: ReturnType<typeof dockerSource>) {
  const events: Event[] = [];
  const subscription = source.subscribe((event) => events.push(event));
  return { events, subscription };
}

describe('dockerSource against a real dockerd', () => {
  it('unsubscribing aborts the request and leaves no socket open', async () => {
    // Handles are compared by identity: whatever else the worker has open does not matter.
    const handles = (): unknown[] =>
      (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
    const before = new Set(handles());
    const opened = () =>
      handles().filter((handle) => !before.has(handle) && handle instanceof Socket);
    const source = dockerSource({
      docker: { socketPath: daemon.socketPath },
      initialState: 'containers',
    });
    const subscription = source.subscribe();
    await source.ready();
    expect(opened().length).toBeGreaterThan(0);
    subscription.unsubscribe();
    expect(source.status).toEqual({ kind: 'closed' });
    await vi.waitFor(() => expect(opened()).toEqual([]));
  });

  it('delivers every lifecycle action with the right Action, name, id and labels', async () => {
    const { id, label } = run();
    const source = dockerSource({ docker: { socketPath: daemon.socketPath }, labels: [label] });
    const { events, subscription } = collect(source);
    try {
      await source.ready();
      const name = `life-${id}`;
      const containerId = await createContainer(daemon, name, [label, 'proxy.port=8080'], {
        init: true,
        command: ['sleep', '3600'],
      });
      for (const step of ['start', 'pause', 'unpause', 'kill', 'start', 'stop', 'rm']) {
        await docker(daemon, [step, name]);
      }
      const expected = [
        Action.ContainerCreate,
        Action.ContainerStart,
        Action.ContainerPause,
        Action.ContainerUnpause,
        Action.ContainerKill,
        Action.ContainerDie,
        Action.ContainerStart,
        Action.ContainerKill,
        Action.ContainerDie,
        Action.ContainerStop,
        Action.ContainerDestroy,
      ];
      await vi.waitFor(() => expect(events).toHaveLength(expected.length), { timeout: 10_000 });
      expect(events.map((e) => e.action)).toEqual(expected);
      for (const event of events) {
        expect(event.type).toBe('docker');
        expect(event.actorName).toBe(name);
        expect(event.actorId).toBe(containerId);
        expect(event.actorAttributes).toMatchObject({
          name,
          image: testImage,
          'batchwatch.test': id,
          'proxy.port': '8080',
        });
      }
      const times = events.map((e) => e.time);
      expect(Math.max(...times) - Math.min(...times)).toBeLessThan(30_000);
      expect(Math.abs(Date.now() - (times.at(-1) as number))).toBeLessThan(30_000);
    } finally {
      subscription.unsubscribe();
    }
  });

  it('passes label and name filters to the daemon', async () => {
    const { id, label } = run();
    const byLabel = dockerSource({
      docker: { socketPath: daemon.socketPath },
      labels: [label],
      events: ['create'],
    });
    const picked = dockerSource({
      docker: { socketPath: daemon.socketPath },
      labels: ['pick=yes'],
      containers: [`named-${id}`],
    });
    const all = collect(byLabel);
    const onlyPicked = collect(picked);
    try {
      await Promise.all([byLabel.ready(), picked.ready()]);
      await createContainer(daemon, `named-${id}`, [label, 'pick=yes']);
      await createContainer(daemon, `other-${id}`, [label, 'pick=yes']);
      await createContainer(daemon, `unpicked-${id}`, [label]);
      await docker(daemon, ['rm', `named-${id}`, `other-${id}`, `unpicked-${id}`]);
      await vi.waitFor(() => expect(all.events).toHaveLength(3), { timeout: 10_000 });
      await vi.waitFor(() => expect(onlyPicked.events).toHaveLength(2), { timeout: 10_000 });
      // The daemon filtered: the label-only source saw the three creates and no destroy.
      expect(all.events.map((e) => [e.action, e.actorName])).toEqual([
        [Action.ContainerCreate, `named-${id}`],
        [Action.ContainerCreate, `other-${id}`],
        [Action.ContainerCreate, `unpicked-${id}`],
      ]);
      expect(onlyPicked.events.map((e) => [e.action, e.actorName])).toEqual([
        [Action.ContainerCreate, `named-${id}`],
        [Action.ContainerDestroy, `named-${id}`],
      ]);
      expect(byLabel.stats()['unmapped']).toBe(0);
    } finally {
      all.subscription.unsubscribe();
      onlyPicked.subscription.unsubscribe();
    }
  });

  it("initialState 'containers': lists running containers after the stream is open", async () => {
    const { id, label } = run();
    const web = await runContainer(daemon, `initial-web-${id}`, {
      labels: { 'batchwatch.test': id, 'proxy.port': '80' },
    });
    await runContainer(daemon, `initial-paused-${id}`, { labels: { 'batchwatch.test': id } });
    await docker(daemon, ['pause', `initial-paused-${id}`]);
    await createContainer(daemon, `initial-created-${id}`, [label]);
    const source = dockerSource({
      docker: new Dockerode({ socketPath: daemon.socketPath }),
      labels: [label],
      initialState: 'containers',
    });
    const { events, subscription } = collect(source);
    try {
      await source.ready();
      expect(
        events.map((e) => [e.action, e.actorName, (e as { initial?: boolean }).initial]),
      ).toEqual(
        expect.arrayContaining([
          [Action.ContainerStart, `initial-web-${id}`, true],
          [Action.ContainerPause, `initial-paused-${id}`, true],
        ]),
      );
      expect(events).toHaveLength(2);
      const start = events.find((e) => e.actorName === `initial-web-${id}`);
      expect(start?.actorId).toBe(web);
      expect(start?.actorAttributes).toMatchObject({
        'proxy.port': '80',
        name: `initial-web-${id}`,
        image: testImage,
      });
      await docker(daemon, ['stop', `initial-web-${id}`]);
      await vi.waitFor(() => expect(events.map((e) => e.action)).toContain(Action.ContainerStop), {
        timeout: 10_000,
      });
    } finally {
      subscription.unsubscribe();
    }
  });

  it('honours DOCKER_HOST by default', async () => {
    const { id, label } = run();
    const saved = process.env['DOCKER_HOST'];
    process.env['DOCKER_HOST'] = daemon.host;
    let source: ReturnType<typeof dockerSource>;
    try {
      source = dockerSource({ labels: [label] });
    } finally {
      if (saved === undefined) delete process.env['DOCKER_HOST'];
      else process.env['DOCKER_HOST'] = saved;
    }
    const { events, subscription } = collect(source);
    try {
      await source.ready();
      await createContainer(daemon, `env-${id}`, [label]);
      await vi.waitFor(() => expect(events.map((e) => e.actorName)).toEqual([`env-${id}`]), {
        timeout: 10_000,
      });
    } finally {
      subscription.unsubscribe();
    }
  });
});
