// connectRedis's timeout against a real redis-server: a frozen server (SIGSTOP) is noticed and the
// connection made again, the command it waited for is sent again once the server runs; a timer of
// a closed connection never cuts the next one.
import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { connectRedis } from '../../../lib/redis/redis-address.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { startRedis, stopRedis } from '../../support/redis-server.ts';

const cleanup = cleanupAfterEach();

describe('connectRedis with a timeout', () => {
  it('reconnects from a frozen server and sends the waiting command again once it runs', async () => {
    const server = await startRedis();
    let frozen = false;
    cleanup(async () => {
      if (frozen) process.kill(server.pid, 'SIGCONT');
      await stopRedis(server);
    });
    const redis = connectRedis({ host: '127.0.0.1', port: server.port }, 'frozen', () => 100, 500);
    cleanup(() => redis.disconnect());
    const errors: string[] = [];
    redis.on('error', (error: Error) => errors.push(error.message));
    let reconnecting = 0;
    redis.on('reconnecting', () => reconnecting++);
    await redis.ping();
    process.kill(server.pid, 'SIGSTOP');
    frozen = true;
    const answered = redis.set('k', 'v');
    await vi.waitFor(() => expect(reconnecting).toBeGreaterThan(0), { timeout: 5000 });
    expect(errors).toContainEqual(expect.stringMatching(/^Socket timeout/));
    process.kill(server.pid, 'SIGCONT');
    frozen = false;
    await expect(answered).resolves.toBe('OK');
    expect(await redis.get('k')).toBe('v');
  });

  it('a connection cut while a command waited: the new connection is not cut by the old timer', async () => {
    const server = await startRedis();
    cleanup(() => stopRedis(server));
    const admin = new Redis({ port: server.port, lazyConnect: true });
    cleanup(() => admin.disconnect());
    await admin.connect();
    const redis = connectRedis({ host: '127.0.0.1', port: server.port }, 'cut', () => 20, 1500);
    cleanup(() => redis.disconnect());
    redis.on('error', () => {});
    let reconnecting = 0;
    redis.on('reconnecting', () => reconnecting++);
    await redis.ping();
    // Waits 1 s for nothing; its socket timer (1.5 s) starts now.
    const first = redis.xread('BLOCK', 1000, 'STREAMS', 'nothing', '$');
    await admin.client('KILL', 'SKIPME', 'yes', 'TYPE', 'normal');
    await vi.waitFor(() => expect(reconnecting).toBe(1));
    // Sent again on the new connection, it answers after its second.
    expect(await first).toBeNull();
    // Waiting across the moment the old connection's timer would have gone off.
    expect(await redis.xread('BLOCK', 1000, 'STREAMS', 'nothing', '$')).toBeNull();
    expect(reconnecting).toBe(1);
  });
});
