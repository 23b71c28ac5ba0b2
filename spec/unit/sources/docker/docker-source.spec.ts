import { VirtualTimeScheduler } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BatchwatchError } from '../../../../lib/errors.ts';
import { Action, type Event } from '../../../../lib/index.ts';
import {
  DockerMalformedEventError,
  DockerReconnectGaveUpError,
  DockerRequestRefusedError,
  DockerStreamError,
} from '../../../../lib/sources/docker/docker-errors.ts';
import { dockerSource } from '../../../../lib/sources/docker/docker-source.ts';
import type { DockerSourceOptions } from '../../../../lib/sources/docker/docker-source-options.ts';
import type { SourceStatus } from '../../../../lib/sources/event-source.ts';
import { FakeDockerClient, writeChunked } from './fake-docker-client.ts';
import { fixture } from './fixture.ts';

const lifecycle = fixture('lifecycle').lines;

function watch(
  options: Omit<DockerSourceOptions, 'docker'> = {},
  setup: (client: FakeDockerClient) => void = () => {},
) {
  const client = new FakeDockerClient();
  setup(client);
  const source = dockerSource({ docker: client, retry: () => 1, ...options });
  const events: Event[] = [];
  const statuses: SourceStatus[] = [];
  const warnings: BatchwatchError[] = [];
  let failure: unknown;
  source.status$.subscribe((status) => statuses.push(status));
  source.warnings$.subscribe((warning) => warnings.push(warning));
  const subscription = source.subscribe({
    next: (event) => events.push(event),
    error: (err: unknown) => {
      failure = err;
    },
  });
  const names = () =>
    events.map((e) => (e.action === Action.ForceReload ? 'RELOAD' : `${e.action}:${e.actorName}`));
  return {
    client,
    source,
    events,
    statuses,
    warnings,
    subscription,
    names,
    failure: () => failure,
  };
}

const open: Array<{ unsubscribe(): void }> = [];
afterEach(() => {
  for (const subscription of open.splice(0)) subscription.unsubscribe();
});

describe('dockerSource (fake client, real captured lines)', () => {
  it('opens a container-only stream with the filters and delivers each mapped event once', async () => {
    const w = watch({
      labels: ['proxy.port'],
      containers: ['fixture-web'],
      events: ['start', 'die'],
    });
    open.push(w.subscription);
    await w.source.ready();
    expect(w.client.queries[0]?.filters).toEqual({
      type: ['container'],
      label: ['proxy.port'],
      container: ['fixture-web'],
      event: ['start', 'die'],
    });
    expect(w.client.queries[0]?.since).toBeUndefined();
    writeChunked(w.client.stream, lifecycle);
    await vi.waitFor(() => expect(w.events).toHaveLength(13));
    expect(w.events.map((e) => e.actorName)).toEqual([
      ...Array(11).fill('fixture-web'),
      'fixture-created',
      'fixture-created',
    ]);
    expect(w.source.stats()).toMatchObject({ events: 13, warnings: 0, duplicates: 0 });
    expect(w.statuses.map((s) => s.kind)).toEqual(['idle', 'connecting', 'ready']);
  });

  it('drops events of other types and unmapped actions, counting them', async () => {
    const w = watch();
    open.push(w.subscription);
    await w.source.ready();
    writeChunked(w.client.stream, fixture('mixed').lines, 5);
    await vi.waitFor(() => expect(w.source.stats()['unmapped']).toBe(4));
    expect(w.events.map((e) => e.action)).toEqual([
      Action.ContainerCreate,
      Action.ContainerStart,
      Action.ContainerKill,
      Action.ContainerDie,
      Action.ContainerDestroy,
    ]);
  });

  it('warns about a malformed line, counts it and reads on', async () => {
    const w = watch();
    open.push(w.subscription);
    await w.source.ready();
    writeChunked(w.client.stream, [
      lifecycle[0] as string,
      '{"Type":',
      '{"Type":"container"}',
      lifecycle[1] as string,
    ]);
    await vi.waitFor(() => expect(w.events).toHaveLength(2));
    expect(w.warnings).toHaveLength(2);
    expect(w.warnings[0]).toBeInstanceOf(DockerMalformedEventError);
    expect((w.warnings[1] as DockerMalformedEventError).reason).toBe('no Type or Action');
    expect(w.source.stats()).toMatchObject({ malformed: 2, warnings: 2 });
  });

  it('reconnects when the stream ends, resumes at the newest time and drops the replayed duplicate', async () => {
    const w = watch();
    open.push(w.subscription);
    await w.source.ready();
    writeChunked(w.client.stream, lifecycle.slice(0, 5));
    await vi.waitFor(() => expect(w.events).toHaveLength(5));
    const newest = /"timeNano":(\d+)/.exec(lifecycle[4] as string)?.[1] as string;
    const since = `${newest.slice(0, 10)}.${newest.slice(10)}`;
    w.client.replay = (asked) => (asked === since ? [lifecycle[4] as string] : []);
    w.client.stream.end();
    await vi.waitFor(() => expect(w.client.streams).toHaveLength(2));
    expect(w.client.streamQueries[1]?.since).toBe(since);
    // The resumed stream replays from the newest event seen (inclusive), then goes on.
    writeChunked(w.client.stream, lifecycle.slice(4));
    await vi.waitFor(() => expect(w.events).toHaveLength(13));
    await vi.waitFor(() => expect(w.statuses.at(-1)?.kind).toBe('ready'));
    expect(w.names()).not.toContain('RELOAD');
    expect(w.source.stats()).toMatchObject({
      events: 13,
      duplicates: 1,
      reconnects: 1,
      forceReloads: 0,
    });
    const reconnecting = w.statuses.find((s) => s.kind === 'reconnecting');
    expect(reconnecting).toMatchObject({ kind: 'reconnecting', attempt: 1, delayMs: 1 });
    expect(w.warnings[0]).toBeInstanceOf(DockerStreamError);
    expect((w.warnings[0] as DockerStreamError).phase).toBe('stream');
  });

  it('emits a ForceReload, before the resumed events, when the daemon no longer holds the newest event', async () => {
    const w = watch();
    open.push(w.subscription);
    await w.source.ready();
    writeChunked(w.client.stream, lifecycle.slice(0, 3));
    await vi.waitFor(() => expect(w.events).toHaveLength(3));
    w.client.replay = () => []; // a restarted daemon: its buffer is empty
    w.client.stream.destroy(new Error('read ECONNRESET'));
    await vi.waitFor(() => expect(w.client.streams).toHaveLength(2));
    writeChunked(w.client.stream, lifecycle.slice(5, 7));
    await vi.waitFor(() => expect(w.events).toHaveLength(6));
    expect(w.names().slice(3)).toEqual([
      'RELOAD',
      `${Action.ContainerDie}:fixture-web`,
      `${Action.ContainerStop}:fixture-web`,
    ]);
    expect(w.source.stats()['forceReloads']).toBe(1);
  });

  it('emits a ForceReload after a break when it had seen no event to resume from', async () => {
    const w = watch();
    open.push(w.subscription);
    await w.source.ready();
    w.client.stream.destroy(new Error('read ECONNRESET'));
    await vi.waitFor(() => expect(w.names()).toEqual(['RELOAD']));
    expect(w.client.streamQueries[1]?.since).toBeUndefined();
  });

  it('keeps trying while the daemon is down, then delivers without a ForceReload', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED /run/docker.sock'), {
      code: 'ECONNREFUSED',
    });
    const w = watch({}, (client) => client.failures.push(refused, refused, refused));
    open.push(w.subscription);
    await w.source.ready();
    expect(
      w.statuses
        .filter((s) => s.kind === 'reconnecting')
        .map((s) => s.kind === 'reconnecting' && s.attempt),
    ).toEqual([1, 2, 3]);
    expect(w.warnings.map((e) => (e as DockerStreamError).phase)).toEqual([
      'connect',
      'connect',
      'connect',
    ]);
    writeChunked(w.client.stream, lifecycle.slice(0, 1));
    await vi.waitFor(() => expect(w.events).toHaveLength(1));
    expect(w.names()).not.toContain('RELOAD');
  });

  it('resets the reconnect attempt after a good connection', async () => {
    const attempts: number[] = [];
    const record = (attempt: number): number => {
      attempts.push(attempt);
      return 1;
    };
    const w = watch({ retry: record }, (client) =>
      client.failures.push(new Error('down'), new Error('down')),
    );
    open.push(w.subscription);
    await w.source.ready();
    w.client.stream.end();
    await vi.waitFor(() => expect(w.client.streams).toHaveLength(2));
    expect(attempts).toEqual([1, 2, 1]);
  });

  it('numbers its statuses as LinkStatus says: two failures, a recovery, then a loss', async () => {
    const asked: number[] = [];
    const retry = (attempt: number): number => {
      asked.push(attempt);
      return attempt * 2;
    };
    const w = watch({ retry }, (client) =>
      client.failures.push(new Error('down'), new Error('down')),
    );
    open.push(w.subscription);
    await w.source.ready();
    w.client.stream.end();
    await vi.waitFor(() => expect(w.statuses.filter((s) => s.kind === 'ready')).toHaveLength(2));
    const shape = (s: SourceStatus): string =>
      s.kind === 'reconnecting'
        ? `reconnecting ${s.attempt} ${s.delayMs}`
        : s.kind === 'connecting'
          ? `connecting ${s.attempt}`
          : s.kind;
    expect(w.statuses.map(shape)).toEqual([
      'idle',
      'connecting 0',
      'reconnecting 1 2',
      'connecting 1',
      'reconnecting 2 4',
      'connecting 2',
      'ready',
      'reconnecting 1 2',
      'connecting 1',
      'ready',
    ]);
    expect(asked).toEqual([1, 2, 1]);
  });

  it('fails for good when the daemon refuses the request (4xx)', async () => {
    const w = watch({}, (client) =>
      client.failures.push(
        Object.assign(new Error('(HTTP code 400) bad parameter'), { statusCode: 400 }),
      ),
    );
    open.push(w.subscription);
    await expect(w.source.ready()).rejects.toBeInstanceOf(DockerRequestRefusedError);
    expect(w.failure()).toBeInstanceOf(DockerRequestRefusedError);
    expect(w.source.status).toMatchObject({ kind: 'closed' });
  });

  it('fails for good when the reconnect policy gives up', async () => {
    const w = watch({ retry: (attempt) => (attempt <= 2 ? 1 : null) }, (client) =>
      client.failures.push(new Error('down'), new Error('down'), new Error('down')),
    );
    open.push(w.subscription);
    await expect(w.source.ready()).rejects.toBeInstanceOf(DockerReconnectGaveUpError);
    expect((w.failure() as DockerReconnectGaveUpError).attempts).toBe(2);
    expect(w.client.queries).toHaveLength(3);
  });

  it("initialState 'force-reload': one ForceReload after the first connection only", async () => {
    const w = watch({ initialState: 'force-reload' });
    open.push(w.subscription);
    await w.source.ready();
    writeChunked(w.client.stream, lifecycle.slice(0, 1));
    await vi.waitFor(() =>
      expect(w.names()).toEqual(['RELOAD', `${Action.ContainerCreate}:fixture-web`]),
    );
    w.client.replay = () => [lifecycle[0] as string];
    w.client.stream.end();
    await vi.waitFor(() => expect(w.client.streams).toHaveLength(2));
    await vi.waitFor(() => expect(w.statuses.at(-1)?.kind).toBe('ready'));
    expect(w.names()).toEqual(['RELOAD', `${Action.ContainerCreate}:fixture-web`]);
  });

  it("initialState 'containers': lists after the stream is open, and holds what arrives meanwhile", async () => {
    const client = new FakeDockerClient();
    let resolveList: (list: []) => void = () => {};
    const listed: Array<{ streams: number }> = [];
    client.list = () => {
      listed.push({ streams: client.streams.length });
      return new Promise((resolve) => {
        resolveList = resolve;
      });
    };
    const source = dockerSource({ docker: client, initialState: 'containers', retry: () => 1 });
    const events: Event[] = [];
    open.push(source.subscribe((event) => events.push(event)));
    await vi.waitFor(() => expect(listed).toEqual([{ streams: 1 }]));
    writeChunked(client.stream, lifecycle.slice(0, 2));
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual([]);
    const web = { Id: 'aaa', Names: ['/web'], Labels: {}, State: 'running' };
    (resolveList as (list: unknown) => void)([web]);
    await source.ready();
    expect(events.map((e) => [e.actorName, e.action, 'initial' in e])).toEqual([
      ['web', Action.ContainerStart, true],
      ['fixture-web', Action.ContainerCreate, false],
      ['fixture-web', Action.ContainerStart, false],
    ]);
  });

  it('opens one stream for two subscribers, and closes it when the last one leaves', async () => {
    const w = watch();
    await w.source.ready();
    const second: Event[] = [];
    const joined = w.source.subscribe((event) => second.push(event));
    expect(w.client.queries).toHaveLength(1);
    writeChunked(w.client.stream, lifecycle.slice(0, 2));
    await vi.waitFor(() => expect(second).toHaveLength(2));
    expect(w.events).toHaveLength(2);
    expect(w.source.stats()['events']).toBe(2);
    w.subscription.unsubscribe();
    expect(w.client.stream.destroyed).toBe(false);
    expect(w.source.status.kind).toBe('ready');
    joined.unsubscribe();
    expect(w.client.stream.destroyed).toBe(true);
    expect(w.client.queries[0]?.signal.aborted).toBe(true);
    expect(w.source.status).toEqual({ kind: 'closed' });
  });

  it('unsubscribing aborts the request, destroys the stream and cancels a pending reconnect', async () => {
    const w = watch({ retry: () => 60_000 });
    await w.source.ready();
    const first = w.client.stream;
    w.subscription.unsubscribe();
    expect(w.client.queries[0]?.signal.aborted).toBe(true);
    expect(first.destroyed).toBe(true);
    expect(w.source.status).toEqual({ kind: 'closed' });

    const scheduler = new VirtualTimeScheduler();
    const v = watch({ retry: () => 60_000, scheduler });
    await v.source.ready();
    v.client.stream.end();
    await vi.waitFor(() => expect(v.source.status.kind).toBe('reconnecting'));
    expect(scheduler.actions).toHaveLength(1);
    v.subscription.unsubscribe();
    expect(scheduler.actions.filter((action) => !action.closed)).toEqual([]);
    scheduler.flush();
    expect(v.client.queries).toHaveLength(1);
  });

  it('reconnects on the injected scheduler after the policy delay', async () => {
    const scheduler = new VirtualTimeScheduler();
    const w = watch({ retry: () => 5_000, scheduler });
    open.push(w.subscription);
    await w.source.ready();
    w.client.stream.end();
    await vi.waitFor(() => expect(w.source.status.kind).toBe('reconnecting'));
    expect(w.client.queries).toHaveLength(1);
    scheduler.flush();
    expect(scheduler.now()).toBe(5_000);
    await vi.waitFor(() => expect(w.source.status.kind).toBe('ready'));
    expect(w.client.queries).toHaveLength(2);
  });
});
