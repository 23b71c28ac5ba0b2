// Issue 20, "a proxy restart is not silent": many reconnecting clients across repeated SIGKILLs and
// restarts of the real `batchwatch proxy` program, files created at 100/s throughout: every file
// each client did not get is followed by a ForceReload it got (nothing lost silently).
import { describe, expect, it, vi } from 'vitest';
import type { Event } from '../../../lib/events/event.ts';
import { jfsSource } from '../../../lib/sources/jfs/jfs-source.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { chain, isReload, kill, silentlyLost, writer } from '../cli/jfs-fault-support.ts';

const cleanup = cleanupAfterEach();

const CLIENTS = 500;
const RESTARTS = 3;

describe('proxy SIGKILLed and restarted under many reconnecting clients', () => {
  it(`loses nothing silently for any of ${CLIENTS} clients across ${RESTARTS} restarts`, {
    timeout: 150_000,
  }, async () => {
    const setup = await chain(cleanup);
    await setup.startDaemon();
    let proxy = await setup.startProxy();
    const clients = Array.from({ length: CLIENTS }, (_, i) => {
      const source = jfsSource({
        namespace: 'default',
        pod: 'web-0',
        container: 'app',
        name: `c${i}`,
        server: `127.0.0.1:${proxy.port}`,
        paths: ['/data'],
        retry: () => 20,
        env: {},
      });
      const events: Event[] = [];
      const subscription = source.subscribe({
        next: (event) => events.push(event),
        error: () => {},
      });
      cleanup(() => subscription.unsubscribe());
      return { events, ready: source.ready() };
    });
    await Promise.all(clients.map((client) => client.ready));
    const files = writer(setup.node, 100);
    cleanup(files.stop);
    const flowing = (from: number[]) =>
      vi.waitFor(
        () => {
          for (const [i, client] of clients.entries())
            expect(client.events.length).toBeGreaterThan((from[i] as number) + 5);
        },
        { timeout: 30_000, interval: 50 },
      );
    await flowing(clients.map(() => 0));
    for (let round = 1; round <= RESTARTS; round++) {
      const reloads = clients.map((client) => client.events.filter(isReload).length);
      await kill(proxy.cli);
      proxy = await setup.startProxy(proxy.port);
      // Every client is back (it was told to re-list), then changes flow to each again.
      await vi.waitFor(
        () => {
          for (const [i, client] of clients.entries())
            expect(client.events.filter(isReload).length).toBeGreaterThan(reloads[i] as number);
        },
        { timeout: 30_000, interval: 50 },
      );
      await flowing(clients.map((client) => client.events.length));
    }
    // Enough changes to mean something, whatever the restarts took (a fast run made 90 by here).
    await vi.waitFor(() => expect(files.created.length).toBeGreaterThan(100), { timeout: 10_000 });
    await files.stop();
    await vi.waitFor(
      () => {
        const lost = clients.map((client) => silentlyLost(files.created, client.events).length);
        expect(lost.filter((count) => count > 0)).toEqual([]);
      },
      { timeout: 30_000, interval: 100 },
    );
    expect(files.created.length).toBeGreaterThan(100);
  });
});
