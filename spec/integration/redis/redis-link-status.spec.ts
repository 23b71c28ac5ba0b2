// A Redis connection's life as the shared LinkStatus, against a real redis-server and a port
// nobody listens on; reconnects follow a RetryPolicy and stop when it gives up.
import { createServer } from 'node:net';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, inject, it } from 'vitest';
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
    ).toEqual(['connecting', [1, 10], [2, 20], 'closed']);
    const last = statuses.at(-1);
    expect(last?.kind === 'closed' && last.error?.message).toMatch(/ECONNREFUSED/);
  });
});
