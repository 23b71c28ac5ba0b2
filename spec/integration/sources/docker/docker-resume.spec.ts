// Resume after a break, against a real dockerd: a cut stream, an overflowing event buffer, a
// daemon killed and restarted, a daemon not running at start. These specs break their daemon, so
// they run one of their own (not the shared one other spec files may be using meanwhile).
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BatchwatchError, Event } from '../../../../lib/index.ts';
import { DockerStreamError } from '../../../../lib/sources/docker/docker-errors.ts';
import { dockerSource } from '../../../../lib/sources/docker/docker-source.ts';
import type { SourceStatus } from '../../../../lib/sources/event-source.ts';
import {
  attachDockerd,
  createContainer,
  docker,
  importBusyboxImage,
  killDockerd,
  type PrivateDockerd,
  removeDockerd,
  restartDockerd,
  startDockerd,
  startWatchdog,
  testImage,
} from '../../../support/dockerd.ts';
import { Action, eventKey, testRun } from './support.ts';
import { UnixProxy } from './unix-proxy.ts';

/** A source (through `socketPath`) and everything it reported. */
function watched(socketPath: string, label: string) {
  const source = dockerSource({ docker: { socketPath }, labels: [label], retry: () => 100 });
  const events: Event[] = [];
  const statuses: SourceStatus[] = [];
  const warnings: BatchwatchError[] = [];
  source.status$.subscribe((status) => statuses.push(status));
  source.warnings$.subscribe((warning) => warnings.push(warning));
  const subscription = source.subscribe((event) => events.push(event));
  const readyCount = () => statuses.filter((s) => s.kind === 'ready').length;
  /** Waits until the source is ready again after a break, and returns when that was. */
  const readyAgain = async (count: number): Promise<number> => {
    await vi.waitFor(() => expect(readyCount()).toBe(count), { timeout: 20_000 });
    const ready = statuses.filter((s) => s.kind === 'ready').at(-1);
    return ready?.kind === 'ready' ? ready.since : Number.NaN;
  };
  return { source, events, statuses, warnings, subscription, readyAgain };
}

function expectOnce(events: readonly Event[]): void {
  const keys = events.filter((e) => e.action !== Action.ForceReload).map(eventKey);
  expect(new Set(keys).size).toBe(keys.length);
}

describe('dockerSource resume, on a private dockerd of its own', () => {
  let daemon: PrivateDockerd;
  let proxy: UnixProxy;
  let watchdog: { stop(): void } | undefined;

  beforeAll(async () => {
    daemon = await startDockerd();
    watchdog = startWatchdog({ parentPid: process.pid, dockerDirs: [daemon.dir], processes: [] });
    await importBusyboxImage(daemon);
    proxy = new UnixProxy(join(daemon.dir, 'proxy.sock'), daemon.socketPath);
    await proxy.open();
  });

  afterAll(async () => {
    await proxy?.close();
    watchdog?.stop();
    if (daemon !== undefined) await removeDockerd(daemon);
  });

  const create = (name: string, label: string) => createContainer(daemon, name, [label]);

  it('resumes a cut stream from the daemon buffer: the gap is replayed once, no ForceReload', async () => {
    const { id, label } = testRun();
    const w = watched(proxy.path, label);
    try {
      await w.source.ready();
      await create(`cut-a-${id}`, label);
      await vi.waitFor(() => expect(w.events).toHaveLength(1));
      await proxy.hold();
      proxy.cut();
      await vi.waitFor(() => expect(w.source.status.kind).toBe('reconnecting'));
      await create(`cut-b-${id}`, label);
      await create(`cut-c-${id}`, label);
      await docker(daemon, ['rm', `cut-a-${id}`]);
      await proxy.open();
      const resumedAt = await w.readyAgain(2);
      await vi.waitFor(() => expect(w.events).toHaveLength(4));
      expect(w.events.map((e) => [e.action, e.actorName])).toEqual([
        [Action.ContainerCreate, `cut-a-${id}`],
        [Action.ContainerCreate, `cut-b-${id}`],
        [Action.ContainerCreate, `cut-c-${id}`],
        [Action.ContainerDestroy, `cut-a-${id}`],
      ]);
      // Replayed, not live: they happened before the source was back.
      for (const event of w.events.slice(1)) expect(event.time).toBeLessThanOrEqual(resumedAt);
      expect(w.source.stats()).toMatchObject({ duplicates: 1, forceReloads: 0, events: 4 });
      expect(w.warnings[0]).toBeInstanceOf(DockerStreamError);
      expect(w.statuses.map((s) => s.kind)).toContain('reconnecting');
      expectOnce(w.events);
    } finally {
      w.subscription.unsubscribe();
    }
  });

  it('emits a ForceReload when the 256-event buffer overflowed during the gap', async () => {
    const { id, label } = testRun();
    const w = watched(proxy.path, label);
    const api = new Dockerode({ socketPath: daemon.socketPath });
    try {
      await w.source.ready();
      await create(`flood-a-${id}`, label);
      await vi.waitFor(() => expect(w.events).toHaveLength(1));
      await proxy.hold();
      proxy.cut();
      await vi.waitFor(() => expect(w.source.status.kind).toBe('reconnecting'));
      await create(`flood-b-${id}`, label);
      // 300 image events push everything older out of the daemon's buffer.
      const image = api.getImage(testImage);
      for (let i = 0; i < 300; i += 10) {
        await Promise.all(
          Array.from({ length: 10 }, (_, j) =>
            image.tag({ repo: `flood-${id}`, tag: `t${i + j}` }),
          ),
        );
      }
      await proxy.open();
      await w.readyAgain(2);
      await vi.waitFor(() => expect(w.source.stats()['forceReloads']).toBe(1));
      // flood-b's create fell out of the buffer: the ForceReload covers it (a re-list finds it).
      expect(w.events.map((e) => [e.action, e.actorName])).toEqual([
        [Action.ContainerCreate, `flood-a-${id}`],
        [Action.ForceReload, ''],
      ]);
      const listed = await api.listContainers({ all: true, filters: { label: [label] } });
      expect(listed.map((c) => c.Names[0])).toContain(`/flood-b-${id}`);
      // And the stream goes on.
      await create(`flood-c-${id}`, label);
      await vi.waitFor(() => expect(w.events.at(-1)?.actorName).toBe(`flood-c-${id}`));
      expectOnce(w.events);
    } finally {
      w.subscription.unsubscribe();
    }
  });

  it('reconnects by itself after dockerd is killed and restarted: the gap is replayed, with a ForceReload', async () => {
    const { id, label } = testRun();
    const w = watched(proxy.path, label);
    try {
      await w.source.ready();
      await create(`restart-a-${id}`, label);
      await vi.waitFor(() => expect(w.events).toHaveLength(1));
      // Hold the source's reconnects until the gap containers exist, so that the outcome is fixed.
      await proxy.hold();
      const killedAt = Date.now();
      await killDockerd(daemon, 'SIGKILL');
      await vi.waitFor(() => expect(w.source.status.kind).toBe('reconnecting'));
      expect((w.warnings[0] as DockerStreamError).phase).toBe('stream');
      await restartDockerd(daemon);
      await create(`restart-b-${id}`, label);
      await create(`restart-c-${id}`, label);
      await proxy.open();
      const resumedAt = await w.readyAgain(2);
      await vi.waitFor(() => expect(w.events).toHaveLength(4));
      // The restarted daemon lost its buffer: the last event seen is not in the replay, so the
      // gap cannot be proven empty (ForceReload); what happened after the restart is replayed.
      expect(w.events.map((e) => [e.action, e.actorName])).toEqual([
        [Action.ContainerCreate, `restart-a-${id}`],
        [Action.ForceReload, ''],
        [Action.ContainerCreate, `restart-b-${id}`],
        [Action.ContainerCreate, `restart-c-${id}`],
      ]);
      for (const event of w.events.slice(2)) {
        expect(event.time).toBeGreaterThanOrEqual(killedAt - 1);
        expect(event.time).toBeLessThanOrEqual(resumedAt);
      }
      expect(w.source.stats()).toMatchObject({ forceReloads: 1, duplicates: 0 });
      expect(w.source.stats()['reconnects']).toBeGreaterThanOrEqual(1);
      expectOnce(w.events);
    } finally {
      w.subscription.unsubscribe();
    }
  });

  it('keeps trying while dockerd is not running, and delivers once it appears', async () => {
    const { id, label } = testRun();
    const late = attachDockerd(await mkdtemp('/tmp/bwd-'));
    const lateWatchdog = startWatchdog({
      parentPid: process.pid,
      dockerDirs: [late.dir],
      processes: [],
    });
    const w = watched(late.socketPath, label);
    try {
      await vi.waitFor(() =>
        expect(w.statuses.filter((s) => s.kind === 'reconnecting').length).toBeGreaterThanOrEqual(
          3,
        ),
      );
      const attempts = w.statuses.flatMap((s) => (s.kind === 'reconnecting' ? [s.attempt] : []));
      expect(attempts.slice(0, 3)).toEqual([1, 2, 3]);
      expect(w.warnings.every((e) => e instanceof DockerStreamError && e.phase === 'connect')).toBe(
        true,
      );
      expect(w.statuses.some((s) => s.kind === 'ready')).toBe(false);
      await startDockerd(late.dir);
      await importBusyboxImage(late);
      await w.source.ready();
      await createContainer(late, `late-${id}`, [label]);
      await vi.waitFor(() => expect(w.events.map((e) => e.actorName)).toEqual([`late-${id}`]), {
        timeout: 10_000,
      });
      expect(w.source.stats()['forceReloads']).toBe(0);
    } finally {
      w.subscription.unsubscribe();
      lateWatchdog.stop();
      await removeDockerd(late);
    }
  });
});
