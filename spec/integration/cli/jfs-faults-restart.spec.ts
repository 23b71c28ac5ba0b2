// A proxy program SIGKILLed and restarted on its port while many raw clients reconnect to it and
// files are created at 100/s: no client that is back misses a file without being disconnected.
import { createConnection, type Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { encodeMessage } from '../../../lib/jfs-protocol/encode-message.ts';
import { FrameDecoder } from '../../../lib/jfs-protocol/frame-decoder.ts';
import { MessageType } from '../../../lib/jfs-protocol/message-type.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { type Cleanup, chain, during, kill, writer } from './jfs-fault-support.ts';

const cleanup = cleanupAfterEach();

/** Clients and restarts: 500 clients as in the issue's run are too heavy for a shared 2-core machine. */
const CLIENTS = 100;
const ROUNDS = 3;

/** A raw JFS client that reconnects (after 20 ms) whenever its connection ends, and remembers what it got. */
interface RawClient {
  /** Pod paths received, over every connection. */
  readonly names: Set<string>;
  /** When the WATCH of the current connection was sent (-1 while disconnected). */
  watchedAt: number;
  /** Connections made, and how many ended. */
  connections: number;
  closes: number;
  /** Events received on the current connection. */
  received: number;
  stop(): void;
}

function reconnectingClient(port: number, id: number, cleanup: Cleanup): RawClient {
  let socket: Socket | null = null;
  let stopped = false;
  const client: RawClient = {
    names: new Set(),
    watchedAt: -1,
    connections: 0,
    closes: 0,
    received: 0,
    stop: () => {
      stopped = true;
      socket?.destroy();
    },
  };
  const connect = (): void => {
    if (stopped) return;
    const decoder = new FrameDecoder();
    const current = createConnection({ host: '127.0.0.1', port });
    socket = current;
    let open = false;
    current.on('connect', () => {
      open = true;
      client.connections++;
      client.received = 0;
      const channelId = `default/web-0/app/c${id}`;
      current.write(encodeMessage({ type: MessageType.Clear, channelId }));
      current.write(encodeMessage({ type: MessageType.Watch, channelId, paths: ['/data'] }));
      client.watchedAt = Date.now();
    });
    current.on('data', (chunk: Buffer) => {
      for (const item of decoder.push(chunk)) {
        if (item instanceof Error || item.type !== MessageType.Event) continue;
        for (const event of item.events) client.names.add(event.name);
        client.received += item.events.length;
      }
    });
    current.on('error', () => {});
    current.on('close', () => {
      if (open) client.closes++;
      client.watchedAt = -1;
      setTimeout(connect, 20);
    });
  };
  connect();
  cleanup(client.stop);
  return client;
}

/**
 * The files `client` missed silently: created after it sent the WATCH of a
 * connection that is still open (a disconnect afterwards would be its resync), never received.
 */
function silentlyMissed(client: RawClient, created: readonly { name: string; time: number }[]) {
  if (client.watchedAt < 0) return [];
  return created.filter((file) => file.time > client.watchedAt && !client.names.has(file.name));
}

describe('a proxy program restarted under many reconnecting clients (real redis-server, daemon and proxy)', () => {
  it(`SIGKILLed and restarted ${ROUNDS} times with ${CLIENTS} raw clients at 100 files/s: no client that is back misses a file silently`, async () => {
    const setup = await chain(cleanup);
    await setup.startDaemon();
    let proxy = await setup.startProxy();
    const clients = Array.from({ length: CLIENTS }, (_, i) =>
      reconnectingClient(proxy.port, i, cleanup),
    );
    const files = writer(setup.node, 100);
    cleanup(files.stop);
    await vi.waitFor(() => expect(clients.every((c) => c.received > 0)).toBe(true), {
      timeout: 20_000,
    });
    const report: string[] = [];
    let readyAt = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const connections = clients.map((c) => c.connections);
      await kill(proxy.cli);
      proxy = await setup.startProxy(proxy.port);
      readyAt = Date.now();
      // Every client back (a new connection) and fed again.
      await vi.waitFor(
        () =>
          expect(
            clients.filter(
              (c, i) => c.connections <= (connections[i] as number) || c.received === 0,
            ).length,
          ).toBe(0),
        { timeout: 30_000 },
      );
      await during(4000);
      const missed = clients.map((c) => silentlyMissed(c, files.created).length);
      report.push(`round ${round}: ${missed.filter((n) => n > 0).length} client(s) missing`);
    }
    await files.stop();
    // Whatever was created is delivered to every client whose connection saw it being created.
    await vi.waitFor(
      () => {
        const missed = clients
          .map((c, i) => ({
            client: i,
            missed: silentlyMissed(c, files.created).length,
            detail: `${c.watchedAt - readyAt} ${c.connections}/${c.closes} ${silentlyMissed(
              c,
              files.created,
            )
              .map((f) => `${f.name}@${f.time - c.watchedAt}`)
              .join(' ')}`,
          }))
          .filter((c) => c.missed > 0);
        expect({ missed, report }).toEqual({ missed: [], report });
      },
      { timeout: 15_000 },
    );
    expect(files.created.length).toBeGreaterThan(1000);
  }, 120_000);
});
