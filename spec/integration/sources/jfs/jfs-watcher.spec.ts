import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  asyncScheduler,
  filter,
  firstValueFrom,
  type SchedulerAction,
  type SchedulerLike,
} from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { type JfsError, OptionsError } from '../../../../lib/errors.ts';
import {
  encodeEvents,
  encodeFrame,
  encodeMessage,
} from '../../../../lib/jfs-protocol/encode-message.ts';
import type { JfsEvent } from '../../../../lib/jfs-protocol/jfs-message.ts';
import { MessageType } from '../../../../lib/jfs-protocol/message-type.ts';
import {
  FieldTooLongError,
  FrameTooLargeError,
  MalformedFrameError,
} from '../../../../lib/jfs-protocol/protocol-errors.ts';
import {
  JfsConnectionError,
  WatcherClosedError,
} from '../../../../lib/sources/jfs/jfs-client-errors.ts';
import { JfsWatcher } from '../../../../lib/sources/jfs/jfs-watcher.ts';
import type { JfsWatcherOptions } from '../../../../lib/sources/jfs/jfs-watcher-options.ts';
import type { WatcherStatus } from '../../../../lib/sources/jfs/notify-watcher.ts';
import { trackTimers } from '../../../../lib/testing/track-timers.ts';
import { cleanupAfterEach } from '../../../support/cleanups.ts';
import { loadVectors } from '../../../support/jfs-vectors.ts';
import { JfsTestServer } from './jfs-test-server.ts';

const vectors = loadVectors();
const vector = (name: string): Buffer => {
  const found = vectors.frames.find((frame) => frame.name === name);
  if (found === undefined) throw new Error(`no vector ${name}`);
  return Buffer.from(found.hex, 'hex');
};

const channelId = 'os-framework/files-7d9f8-abcde/files/mywatcher';
const base: JfsWatcherOptions = {
  name: 'mywatcher',
  namespace: 'os-framework',
  pod: 'files-7d9f8-abcde',
  container: 'files',
  retry: () => 5,
  connectTimeout: 2000,
  env: {},
};
const clear = { type: MessageType.Clear, channelId };
const watch = (...paths: string[]) => ({ type: MessageType.Watch, channelId, paths });
const unwatch = (...paths: string[]) => ({ type: MessageType.Unwatch, channelId, paths });

const cleanup = cleanupAfterEach();

async function server(listen?: Parameters<typeof JfsTestServer.start>[0]): Promise<JfsTestServer> {
  const started = await JfsTestServer.start(listen);
  cleanup(() => started.stop());
  return started;
}

/** A watcher that records its statuses, errors and events, closed after the test. */
function watcher(options: JfsWatcherOptions) {
  const created = new JfsWatcher({ ...base, ...options });
  const statuses: WatcherStatus[] = [];
  const errors: JfsError[] = [];
  const events: JfsEvent[] = [];
  created.status$.subscribe((status) => statuses.push(status));
  created.warnings$.subscribe((error) => errors.push(error));
  created.events$.subscribe((event) => events.push(event));
  cleanup(() => created.close());
  return { watcher: created, statuses, errors, events };
}

const ready = (w: JfsWatcher): Promise<unknown> =>
  firstValueFrom(w.status$.pipe(filter((status) => status.kind === 'ready')));

/** An address nothing listens on: a port that was just free. */
async function freePort(): Promise<number> {
  const probe = await JfsTestServer.start();
  const { port } = probe;
  await probe.stop();
  return port;
}

describe('JfsWatcher against a real TCP server', () => {
  it('sends CLEAR then WATCH(all) on the first connection, then WATCH/UNWATCH for add/remove', async () => {
    const srv = await server();
    const { watcher: w } = watcher({ server: srv.address, paths: ['/data/a', '/data/b'] });
    expect(w.channelId).toBe(channelId);
    await ready(w);
    await vi.waitFor(() => expect(srv.last.frames).toHaveLength(2));
    expect(srv.last.frames).toEqual([clear, watch('/data/a', '/data/b')]);

    w.add('/data/c');
    w.add('/data/c'); // already watched: nothing sent
    w.remove('/data/a');
    w.remove('/data/never'); // not watched: nothing sent
    await vi.waitFor(() => expect(srv.last.frames).toHaveLength(4));
    expect(srv.last.frames.slice(2)).toEqual([watch('/data/c'), unwatch('/data/a')]);
    const list = w.watchList();
    expect(list).toEqual(['/data/b', '/data/c']);
    list.push('/mutated');
    expect(w.watchList()).toEqual(['/data/b', '/data/c']);
    expect(srv.connections).toHaveLength(1);
    expect(() => w.add('')).toThrow(OptionsError);
    expect(() => w.add(`/${'x'.repeat(255)}`)).toThrow(FieldTooLongError);
    expect(w.watchList()).toEqual(['/data/b', '/data/c']);
  });

  it('sends CLEAR alone when there is no path yet', async () => {
    const srv = await server();
    const { watcher: w } = watcher({ server: srv.address });
    await ready(w);
    await vi.waitFor(() => expect(srv.last.frames).toEqual([clear]));
  });

  it('reconnects when the server closes the socket, and re-sends WATCH(all) without CLEAR', async () => {
    const srv = await server();
    const { watcher: w, statuses, errors } = watcher({ server: srv.address, paths: ['/data/a'] });
    await ready(w);
    await vi.waitFor(() => expect(srv.last.frames).toHaveLength(2));
    srv.dropConnections();
    await vi.waitFor(() => expect(srv.connections).toHaveLength(2));
    await vi.waitFor(() => expect(srv.last.frames).toEqual([watch('/data/a')]));
    await vi.waitFor(() => expect(w.status.kind).toBe('ready'));
    expect(statuses.map((status) => status.kind)).toEqual([
      'connecting',
      'ready',
      'reconnecting',
      'connecting',
      'ready',
    ]);
    expect(errors[0]).toBeInstanceOf(JfsConnectionError);
    expect(errors[0]?.message).toContain('the connection was lost');
  });

  it('reconnects to a server restarted on the same port, with the paths added meanwhile', async () => {
    const first = await JfsTestServer.start();
    const { port } = first;
    const { watcher: w, errors } = watcher({ server: first.address, paths: ['/data/a'] });
    await ready(w);
    await first.stop();
    await vi.waitFor(() => expect(w.status.kind).toBe('reconnecting'));
    w.add('/data/new');
    w.remove('/data/a');
    w.add('/data/b');
    const second = await server({ port });
    await vi.waitFor(() => expect(second.connections).toHaveLength(1));
    await vi.waitFor(() => expect(second.last.frames).toEqual([watch('/data/new', '/data/b')]));
    await vi.waitFor(() => expect(w.status.kind).toBe('ready'));
    expect(errors.some((error) => error.message.includes('could not connect'))).toBe(true);
  });

  it('does not fail when the server is down at first, and connects once it appears', async () => {
    const port = await freePort();
    const { watcher: w, errors } = watcher({ server: `127.0.0.1:${port}`, paths: ['/data/a'] });
    await vi.waitFor(() => expect(w.status.kind).toBe('reconnecting'));
    expect(errors[0]).toBeInstanceOf(JfsConnectionError);
    expect(errors[0]?.cause).toMatchObject({ code: 'ECONNREFUSED' });
    const srv = await server({ port });
    await ready(w);
    // The first successful connection is the first connection: CLEAR comes first.
    await vi.waitFor(() => expect(srv.last.frames).toEqual([clear, watch('/data/a')]));
  });

  it('delivers EVENT frames split anywhere, with several records per frame', async () => {
    const srv = await server();
    const { watcher: w, events } = watcher({ server: srv.address, paths: ['/data/x'] });
    await ready(w);
    const many = vector('event-many');
    for (const byte of many) srv.send(Uint8Array.of(byte));
    srv.send(encodeEvents([{ name: '/data/x/last', op: 4, key: '/data/x' }]));
    await vi.waitFor(() => expect(events).toHaveLength(5));
    expect(events.map((event) => event.name)).toEqual([
      '/data/x/new.txt',
      '/data/x/日本語 ファイル.md',
      '/data/x/old',
      '/data/x/mode',
      '/data/x/last',
    ]);
    expect(events[3]).toEqual({ name: '/data/x/mode', op: 18, key: '/data/x' });
  });

  it('reports malformed frames as warnings and keeps the connection', async () => {
    const srv = await server();
    const { watcher: w, events, errors } = watcher({ server: srv.address, paths: ['/d'] });
    await ready(w);
    srv.send(vector('event-short'));
    srv.send(vector('payload-too-short'));
    srv.send(encodeMessage(watch('/x'))); // a client message from the server
    srv.send(encodeFrame(77, Buffer.alloc(8)));
    srv.send(vector('event-one'));
    await vi.waitFor(() => expect(events).toHaveLength(1));
    expect(errors.map((error) => (error as MalformedFrameError).frameType)).toEqual([
      6,
      null,
      1,
      77,
    ]);
    expect(errors.every((error) => error instanceof MalformedFrameError)).toBe(true);
    expect(srv.connections).toHaveLength(1);
    expect(srv.last.closed).toBe(false);
    expect(w.status.kind).toBe('ready');
  });

  it('closes and re-dials the connection on a length prefix over the cap', async () => {
    const srv = await server();
    const { watcher: w, errors } = watcher({ server: srv.address, paths: ['/d'] });
    await ready(w);
    const huge = Buffer.alloc(8);
    huge.writeUInt32BE(0x7fff_ffff, 0);
    srv.send(huge);
    await vi.waitFor(() => expect(srv.connections).toHaveLength(2));
    expect(srv.connections[0]?.closed).toBe(true);
    expect(errors[0]).toBeInstanceOf(FrameTooLargeError);
    expect(errors[0]).toMatchObject({ length: 0x7fff_ffff, max: 1_048_576 });
    await vi.waitFor(() => expect(srv.last.frames).toEqual([watch('/d')]));
  });

  it('honours a smaller maxFrameLength', async () => {
    const srv = await server();
    const { watcher: w, errors } = watcher({ server: srv.address, maxFrameLength: 600 });
    await ready(w);
    srv.send(vector('event-one')); // 518-byte payload: fits
    srv.send(vector('event-many')); // 2060 bytes: over
    await vi.waitFor(() => expect(errors[0]).toBeInstanceOf(FrameTooLargeError));
    expect(errors[0]).toMatchObject({ length: 2060, max: 600 });
  });

  it('re-dials a dropped connection at once, then backs off', async () => {
    let now = 0;
    const clock: SchedulerLike = {
      now: () => now,
      schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay?: number, state?: T) {
        return asyncScheduler.schedule(work, delay, state);
      },
    };
    const tries: number[] = [];
    const srv = await server();
    const { watcher: w, statuses } = watcher({
      server: srv.address,
      scheduler: clock,
      retry: (attempt) => {
        tries.push(attempt);
        return 10 * attempt;
      },
    });
    await ready(w);
    now += 5000; // a connection up for a while: a drop re-dials at once
    srv.dropConnections();
    await vi.waitFor(() => expect(srv.connections).toHaveLength(2));
    await vi.waitFor(() => expect(w.status.kind).toBe('ready'));
    expect(tries).toEqual([]);
    // A connection that drops at once counts as a failed try: backoff.
    srv.dropConnections();
    await vi.waitFor(() => expect(srv.connections).toHaveLength(3));
    await vi.waitFor(() => expect(w.status.kind).toBe('ready'));
    expect(tries).toEqual([1]);
    now += 5000;
    await srv.stop();
    await vi.waitFor(() => expect(tries.length).toBeGreaterThanOrEqual(3));
    const reconnecting = statuses.filter((status) => status.kind === 'reconnecting');
    // `attempt` as LinkStatus says: a re-dial at once after a stable connection is the first try
    // (`connecting 0`, no policy asked); each backed-off retry carries the number the policy got.
    expect(reconnecting.map((status) => [status.attempt, status.delayMs]).slice(0, 3)).toEqual([
      [1, 10],
      [1, 10],
      [2, 20],
    ]);
    expect(tries.slice(0, 3)).toEqual([1, 1, 2]);
  });

  it('closes for good when the reconnect policy gives up', async () => {
    const port = await freePort();
    const { watcher: w, statuses } = watcher({
      server: `127.0.0.1:${port}`,
      retry: (attempt) => (attempt < 3 ? 1 : null),
    });
    let completed = false;
    w.events$.subscribe({ complete: () => (completed = true) });
    await vi.waitFor(() => expect(w.status.kind).toBe('closed'));
    expect(statuses.filter((status) => status.kind === 'connecting')).toHaveLength(3);
    const last = statuses.at(-1);
    expect(last?.kind === 'closed' && last.error).toBeInstanceOf(JfsConnectionError);
    expect(completed).toBe(true);
    await expect(w.close()).resolves.toBeUndefined();
    expect(w.close()).toBe(w.close());
  });

  it('works over a unix socket', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jfs-'));
    cleanup(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'notify.sock');
    const srv = await server({ path });
    for (const address of [`unix:${path}`, `unix://${path}`]) {
      const { watcher: w } = watcher({ server: address, paths: ['/d'] });
      await ready(w);
      await vi.waitFor(() => expect(srv.last.frames).toEqual([clear, watch('/d')]));
      await w.close();
    }
    expect(srv.connections).toHaveLength(2);
  });
});

describe('JfsWatcher.close()', () => {
  const resources = (): Record<string, number> => {
    const counts: Record<string, number> = {};
    for (const kind of process.getActiveResourcesInfo()) {
      if (kind === 'TCPSocketWrap' || kind === 'Timeout') counts[kind] = (counts[kind] ?? 0) + 1;
    }
    return counts;
  };
  /** No more sockets or timers than before (an unrelated timer of the runner may end meanwhile). */
  const expectNoneLeft = (before: Record<string, number>): void => {
    const after = resources();
    for (const kind of ['TCPSocketWrap', 'Timeout']) {
      expect(after[kind] ?? 0, kind).toBeLessThanOrEqual(before[kind] ?? 0);
    }
  };

  it('destroys the socket, completes the streams, leaves no timer; same promise every time', async () => {
    const srv = await server();
    const before = resources();
    const timers = trackTimers(asyncScheduler);
    const w = new JfsWatcher({ ...base, server: srv.address, paths: ['/d'], scheduler: timers });
    const completed: string[] = [];
    w.events$.subscribe({ complete: () => completed.push('events') });
    w.warnings$.subscribe({ complete: () => completed.push('errors') });
    w.status$.subscribe({ complete: () => completed.push('status') });
    await ready(w);
    const closing = w.close();
    expect(w.close()).toBe(closing);
    await closing;
    expect(w.status).toEqual({ kind: 'closed' });
    expect(completed.sort()).toEqual(['errors', 'events', 'status']);
    await vi.waitFor(() => expect(srv.open).toHaveLength(0));
    expectNoneLeft(before);
    expect(timers.active).toBe(0);
    expect(() => w.add('/e')).toThrow(WatcherClosedError);
    expect(() => w.remove('/d')).toThrow(WatcherClosedError);
  });

  it('cancels a pending reconnection timer', async () => {
    const port = await freePort();
    const before = resources();
    const timers = trackTimers(asyncScheduler);
    const w = new JfsWatcher({
      ...base,
      server: `127.0.0.1:${port}`,
      scheduler: timers,
      retry: () => 60_000,
    });
    await vi.waitFor(() => expect(w.status.kind).toBe('reconnecting'));
    expect(timers.active).toBe(1);
    await w[Symbol.asyncDispose]();
    expect(timers.active).toBe(0);
    expectNoneLeft(before);
  });

  it('supports await using', async () => {
    const srv = await server();
    {
      await using w = new JfsWatcher({ ...base, server: srv.address });
      await ready(w);
    }
    await vi.waitFor(() => expect(srv.open).toHaveLength(0));
  });
});
