import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BatchwatchError } from '../../../../lib/errors.ts';
import { Action } from '../../../../lib/events/action.ts';
import type { Event } from '../../../../lib/events/event.ts';
import { encodeEvents } from '../../../../lib/jfs-protocol/encode-message.ts';
import { MessageType } from '../../../../lib/jfs-protocol/message-type.ts';
import { Op } from '../../../../lib/jfs-protocol/op.ts';
import { EventQueue } from '../../../../lib/queue/event-queue.ts';
import { jfsSource } from '../../../../lib/sources/jfs/jfs-source.ts';
import { loadVectors } from '../../../support/jfs-vectors.ts';
import { JfsTestServer } from './jfs-test-server.ts';

const vectors = loadVectors();
const vector = (name: string): Buffer =>
  Buffer.from(vectors.frames.find((frame) => frame.name === name)?.hex ?? '', 'hex');

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('jfsSource against a real TCP server', () => {
  it('is ready once connected with the watches sent, and turns EVENT frames into Events', async () => {
    const server = await JfsTestServer.start();
    cleanups.push(() => server.stop());
    const batches: (readonly Event[])[] = [];
    const queue = new EventQueue({
      flushInterval: 5,
      onFlush: (batch) => void batches.push(batch),
    });
    cleanups.push(() => queue.stop());
    const source = jfsSource({
      name: 'config',
      paths: ['/data/Home/Documents', '/data/x'],
      server: server.address,
      retry: () => 5,
      env: { NAMESPACE: 'ns', POD_NAME: 'pod', CONTAINER_NAME: 'ctr' },
    });
    const warnings: BatchwatchError[] = [];
    source.warnings$.subscribe((warning) => warnings.push(warning));
    const subscription = queue.start(source);
    await source.ready();
    await vi.waitFor(() =>
      expect(server.last.frames).toEqual([
        { type: MessageType.Clear, channelId: 'ns/pod/ctr/config' },
        {
          type: MessageType.Watch,
          channelId: 'ns/pod/ctr/config',
          paths: ['/data/Home/Documents', '/data/x'],
        },
      ]),
    );

    server.send(vector('event-one'));
    server.send(vector('event-short')); // malformed: a warning, the connection stays
    server.send(vector('event-many'));
    server.send(encodeEvents([{ name: '/data/x/perm', op: Op.Chmod, key: '/data/x' }]));
    await vi.waitFor(() => expect(source.stats()['events']).toBe(5));
    await queue.sync();
    const events = batches.flat();
    expect(events.map((event) => [event.action, event.actorName])).toEqual([
      [Action.FileWritten, '/data/Home/Documents/a.txt'],
      [Action.FileCreated, '/data/x/new.txt'],
      [Action.FileDeleted, '/data/x/日本語 ファイル.md'],
      [Action.FileRenamed, '/data/x/old'],
      [Action.FileWritten, '/data/x/mode'], // op 18 = Write|Chmod: one event
    ]);
    expect(events[0]).toMatchObject({
      type: 'file',
      actorId: '/data/Home/Documents/a.txt',
      actorAttributes: {
        key: '/data/Home/Documents',
        op: 'WRITE',
        path: '/data/Home/Documents/a.txt',
      },
    });
    await vi.waitFor(() => expect(source.stats()['ignored']).toBe(1)); // the Chmod-only op
    expect(source.stats()).toMatchObject({ malformed: 1, warnings: 1, reconnects: 0 });
    expect(warnings[0]?.code).toBe('BATCHWATCH_JFS_MALFORMED_FRAME');

    subscription.unsubscribe();
    expect(source.status).toEqual({ kind: 'closed' });
    await vi.waitFor(() => expect(server.open).toHaveLength(0));
  });

  it('reports reconnecting while the server is away, then ready again', async () => {
    const server = await JfsTestServer.start();
    cleanups.push(() => server.stop());
    const source = jfsSource({
      paths: ['/d'],
      server: server.address,
      retry: () => 5,
      env: {},
    });
    const kinds: string[] = [];
    source.status$.subscribe((status) => kinds.push(status.kind));
    const subscription = source.subscribe();
    cleanups.push(() => subscription.unsubscribe());
    await source.ready();
    server.dropConnections();
    await vi.waitFor(() => expect(server.connections).toHaveLength(2));
    await source.ready();
    await vi.waitFor(() => expect(kinds.at(-1)).toBe('ready'));
    expect(kinds).toEqual(['idle', 'connecting', 'ready', 'reconnecting', 'connecting', 'ready']);
    expect(source.stats()).toMatchObject({ reconnects: 1, warnings: 1 });
  });

  describe('after a reconnection', () => {
    /** A source on a fresh server, its events recorded; everything torn down after the test. */
    async function connected(options: { reloadOnReconnect?: boolean } = {}) {
      const server = await JfsTestServer.start();
      cleanups.push(() => server.stop());
      const source = jfsSource({
        paths: ['/data/x'],
        server: server.address,
        retry: () => 5,
        env: {},
        ...options,
      });
      const events: Event[] = [];
      const subscription = source.subscribe((event) => events.push(event));
      cleanups.push(() => subscription.unsubscribe());
      await source.ready();
      await vi.waitFor(() => expect(server.last.frames).toHaveLength(2)); // CLEAR, WATCH
      /** Sends one Create of `name` and waits for it. */
      const created = async (name: string): Promise<void> => {
        server.send(encodeEvents([{ name: `/data/x/${name}`, op: Op.Create, key: '/data/x' }]));
        await vi.waitFor(() => expect(events.at(-1)?.actorName).toBe(`/data/x/${name}`));
      };
      /** Drops the connection from the server side and waits for the client to be back. */
      const reconnect = async (): Promise<void> => {
        const count = server.connections.length;
        server.dropConnections();
        await vi.waitFor(() => expect(server.connections).toHaveLength(count + 1));
        await vi.waitFor(() => expect(server.last.frames).toHaveLength(1)); // WATCH, no CLEAR
        await vi.waitFor(() => expect(source.status.kind).toBe('ready'));
      };
      const log = () =>
        events.map((event) =>
          event.action === Action.ForceReload ? 'force-reload' : event.actorName,
        );
      return { server, source, events, created, reconnect, log };
    }

    it('emits one ForceReload per reconnection, between the events before and after, none on the first connection', async () => {
      const { source, events, created, reconnect, log } = await connected();
      await created('before');
      expect(log()).toEqual(['/data/x/before']);

      const dropped = Date.now();
      await reconnect();
      await created('after');
      expect(log()).toEqual(['/data/x/before', 'force-reload', '/data/x/after']);
      expect(events[1]).toEqual({
        type: 'file',
        actorName: '',
        actorId: '',
        actorAttributes: { reason: 'reconnect' },
        action: Action.ForceReload,
        time: expect.any(Number),
      });
      expect(events[1]?.time).toBeGreaterThanOrEqual(dropped);
      expect(events[1]?.time).toBeLessThanOrEqual(Date.now());

      await reconnect();
      await created('again');
      expect(log()).toEqual([
        '/data/x/before',
        'force-reload',
        '/data/x/after',
        'force-reload',
        '/data/x/again',
      ]);
      expect(source.stats()).toMatchObject({ forceReloads: 2, reconnects: 2, events: 5 });
    });

    it('emits none with reloadOnReconnect: false', async () => {
      const { source, created, reconnect, log } = await connected({ reloadOnReconnect: false });
      await created('before');
      await reconnect();
      await created('after');
      expect(log()).toEqual(['/data/x/before', '/data/x/after']);
      expect(source.stats()).toMatchObject({ forceReloads: 0, reconnects: 1 });
    });
  });
});
