import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { JfsDaemon } from '../../../lib/jfs-daemon/jfs-daemon.ts';
import type { LinkStatus } from '../../../lib/status.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { startRedis, stopRedis } from '../../support/redis-server.ts';
import { nodeDir } from '../jfs-proxy/support.ts';

const cleanup = cleanupAfterEach();

describe('a Redis database the server does not have', () => {
  it('the daemon writes nothing to database 0: its connections close with the reason', async () => {
    const server = await startRedis({ args: ['--databases', '4'] });
    cleanup(() => stopRedis(server));
    const redis = new Redis({ port: server.port, lazyConnect: true });
    cleanup(() => redis.disconnect());
    await redis.connect();
    const node = await nodeDir();
    cleanup(node.cleanup);
    const daemon = await JfsDaemon.start({
      paths: [node.dir],
      followProxies: false,
      redisAddr: `127.0.0.1:${server.port}/7`,
      env: {},
    });
    cleanup(() => daemon.close());
    const statuses: LinkStatus[] = [];
    const subscription = daemon.status$.subscribe((status) => statuses.push(status));
    cleanup(() => subscription.unsubscribe());
    await vi.waitFor(() => expect(statuses.at(-1)?.kind).toBe('closed'), { timeout: 10_000 });
    const last = statuses.at(-1);
    expect(last?.kind === 'closed' ? last.error?.message : '').toMatch(/DB index is out of range/);
    await writeFile(join(node.dir, 'lost.txt'), 'x');
    await vi.waitFor(() => expect(daemon.stats().events).toBeGreaterThan(0));
    for (let db = 0; db < 4; db++) {
      await redis.select(db);
      expect(await redis.dbsize(), `database ${db}`).toBe(0);
    }
  }, 30_000);
});
