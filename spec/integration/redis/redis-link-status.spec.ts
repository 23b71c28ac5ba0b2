// A Redis connection's life as the shared LinkStatus, against a real redis-server and a port
// nobody listens on; reconnects follow a RetryPolicy and stop when it gives up.
import { connect, createServer, type Socket } from 'node:net';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, inject, it, vi } from 'vitest';
import { connectRedis } from '../../../lib/redis/redis-address.ts';
import { redisLinkStatus } from '../../../lib/redis/redis-link-status.ts';
import type { LinkStatus } from '../../../lib/status.ts';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('a Redis link status', () => {
  it('is connecting, then ready, then closed without error when closed on purpose', async () => {
    let closing = false;
    const redis = connectRedis({ host: '127.0.0.1', port: inject('redisPort') }, 'bw-test');
    const all = lastValueFrom(redisLinkStatus(redis, () => closing).pipe(toArray()));
    await redis.ping();
    closing = true;
    redis.disconnect();
    const kinds = (await all).map((status) => status.kind);
    expect(kinds).toEqual(['connecting', 'ready', 'closed']);
    expect((await all)[0]).toEqual({ kind: 'connecting', attempt: 0 });
    expect((await all).at(-1)).toEqual({ kind: 'closed' });
  });

  it('reports each reconnect attempt with its delay, and closes with the error when the policy gives up', async () => {
    const port = await closedPort();
    const redis = connectRedis({ host: '127.0.0.1', port }, 'bw-test', (attempt) =>
      attempt <= 2 ? attempt * 10 : null,
    );
    const statuses: LinkStatus[] = await lastValueFrom(
      redisLinkStatus(redis, () => false).pipe(toArray()),
    );
    expect(
      statuses.map((s) => (s.kind === 'reconnecting' ? [s.attempt, s.delayMs] : s.kind)),
    ).toEqual(['connecting', [1, 10], 'connecting', [2, 20], 'connecting', 'closed']);
    // `attempt` as LinkStatus says: connecting 0, then each retry's number.
    expect(statuses.flatMap((s) => (s.kind === 'connecting' ? [s.attempt] : []))).toEqual([
      0, 1, 2,
    ]);
    const last = statuses.at(-1);
    expect(last?.kind === 'closed' && last.error?.message).toMatch(/ECONNREFUSED/);
  });
});

describe('a Redis link status through two failures and a recovery', () => {
  it('numbers them as LinkStatus says, and counts from 1 again after ready', async () => {
    // A door in front of the real redis-server: it slams the first two dials, then lets through.
    let dials = 0;
    const piped: Socket[] = [];
    const door = createServer((client) => {
      dials++;
      if (dials <= 2) {
        client.destroy();
        return;
      }
      const server = connect(inject('redisPort'), '127.0.0.1');
      client.pipe(server).pipe(client);
      client.on('error', () => server.destroy());
      server.on('error', () => client.destroy());
      client.on('close', () => server.destroy());
      piped.push(client);
    });
    await new Promise<void>((resolve) => door.listen(0, '127.0.0.1', resolve));
    const { port } = door.address() as { port: number };
    const asked: number[] = [];
    const redis = connectRedis({ host: '127.0.0.1', port }, 'bw-test', (attempt) => {
      asked.push(attempt);
      return attempt * 5;
    });
    const statuses: LinkStatus[] = [];
    const ended = lastValueFrom(redisLinkStatus(redis, () => true));
    redisLinkStatus(redis, () => true).subscribe((status) => statuses.push(status));
    try {
      await vi.waitFor(() => expect(statuses.at(-1)?.kind).toBe('ready'));
      piped[0]?.destroy();
      await vi.waitFor(() => expect(statuses.filter((s) => s.kind === 'ready')).toHaveLength(2));
      const shape = (s: LinkStatus): string =>
        s.kind === 'reconnecting'
          ? `reconnecting ${s.attempt} ${s.delayMs}`
          : s.kind === 'connecting'
            ? `connecting ${s.attempt}`
            : s.kind;
      expect(statuses.map(shape)).toEqual([
        'connecting 0',
        'reconnecting 1 5',
        'connecting 1',
        'reconnecting 2 10',
        'connecting 2',
        'ready',
        'reconnecting 1 5',
        'connecting 1',
        'ready',
      ]);
      expect(asked).toEqual([1, 2, 1]);
    } finally {
      redis.disconnect();
      await ended;
      for (const socket of piped) socket.destroy();
      await new Promise((resolve) => door.close(resolve));
    }
  });
});
