// JfsProxy.close(): idempotent, the same promise every time, and nothing left behind.
import { describe, expect, it, vi } from 'vitest';
import { JfsProxy } from '../../../lib/jfs-proxy/jfs-proxy.ts';
import { StaticMountResolver } from '../../../lib/jfs-proxy/static-mount-resolver.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { freePort } from '../../support/redis-server.ts';
import { client, rawClient, startProxy, uniqueChannel } from './support.ts';

const cleanup = cleanupAfterEach();

/** Sockets, servers and timers open in this process. */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) {
    if (kind === 'TCPSocketWrap' || kind === 'TCPServerWrap' || kind === 'Timeout')
      counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

describe('JfsProxy.close()', () => {
  it('closes clients, Redis and the listener, completes its streams, leaves no socket or timer', async () => {
    const before = resources();
    const proxy = await startProxy([{ mountPath: '/data', hostPath: '/node/data' }], {
      channel: uniqueChannel(),
    });
    const raw = await rawClient(proxy.address);
    cleanup(() => raw.socket.destroy());
    const c = client(proxy.address, ['/data']);
    await c.source.ready();
    c.stop();
    const completed: string[] = [];
    proxy.redisStatus$.subscribe({ complete: () => completed.push('redisStatus$') });
    proxy.warnings$.subscribe({ complete: () => completed.push('warnings$') });
    const closing = proxy.close();
    expect(proxy.close()).toBe(closing);
    expect(proxy[Symbol.asyncDispose]()).toBe(closing);
    await closing;
    expect(completed.sort()).toEqual(['redisStatus$', 'warnings$']);
    await vi.waitFor(() => expect(raw.closed()).toBe(true));
    raw.socket.destroy();
    // Client sockets close on their side a moment later; a runner timer may end meanwhile.
    await vi.waitFor(() => {
      const after = resources();
      for (const kind of ['TCPSocketWrap', 'TCPServerWrap', 'Timeout']) {
        expect(after[kind] ?? 0, kind).toBeLessThanOrEqual(before[kind] ?? 0);
      }
    });
  });

  it('resolves while Redis is unreachable (the link reconnecting)', async () => {
    const proxy = await JfsProxy.start({
      mounts: new StaticMountResolver([]),
      listen: '127.0.0.1:0',
      redisAddr: `127.0.0.1:${await freePort()}`,
      env: {},
    });
    const kinds: string[] = [];
    proxy.redisStatus$.subscribe((status) => kinds.push(status.kind));
    await vi.waitFor(() => expect(kinds).toContain('reconnecting'), { timeout: 5000 });
    await proxy.close();
    expect(kinds.at(-1)).toBe('closed');
  });
});
