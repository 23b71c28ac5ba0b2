import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import type { JfsDaemon } from '../../../lib/jfs-daemon/jfs-daemon.ts';
import { notifyNames, registryKey } from '../../../lib/jfs-protocol/redis-keys.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { runCli, stopCli } from '../../support/cli-process.ts';
import { freePort, startRedis, stopRedis } from '../../support/redis-server.ts';
import { client, nodeDir, pod, startDaemon } from '../jfs-proxy/support.ts';

const cleanup = cleanupAfterEach();

async function privateRedis() {
  const server = await startRedis();
  cleanup(() => stopRedis(server));
  const redis = new Redis({ port: server.port, lazyConnect: true });
  cleanup(() => redis.disconnect());
  await redis.connect();
  return { redis, addr: `127.0.0.1:${server.port}` };
}

function warningsOf(daemon: JfsDaemon): Error[] {
  const warnings: Error[] = [];
  const subscription = daemon.warnings$.subscribe((warning) => warnings.push(warning));
  cleanup(() => subscription.unsubscribe());
  return warnings;
}

describe('registry entries are leases', () => {
  it('a proxy killed with SIGKILL: its entry expires and the daemon stops watching its paths', async () => {
    const { redis, addr } = await privateRedis();
    const node = await nodeDir();
    cleanup(node.cleanup);
    const dir = await mkdtemp(join(tmpdir(), 'bw-leases-'));
    cleanup(() => rm(dir, { recursive: true, force: true }));
    const mounts = join(dir, 'mounts.json');
    await writeFile(mounts, JSON.stringify([{ ...pod, mounts: node.mounts }]));
    const port = await freePort();
    const proxy = runCli([
      'proxy',
      '--mounts',
      mounts,
      '--listen',
      `127.0.0.1:${port}`,
      '--redis',
      addr,
      '--registry-ttl',
      '1500',
    ]);
    cleanup(() => stopCli(proxy));
    await proxy.waitForStderr('redis ready');
    const daemon = await startDaemon({ channel: 'jfsnotify', redisAddr: addr });
    cleanup(() => daemon.close());
    const good = client(`127.0.0.1:${port}`, ['/data']);
    cleanup(good.stop);
    await vi.waitFor(() => expect(daemon.watchList()).toContain(node.dir), { timeout: 10_000 });
    const keys = await redis.keys('jfsnotify:watches:*');
    expect(keys).toHaveLength(1);
    // Renewed: the lease outlives its TTL while the proxy runs.
    const first = await redis.pttl(keys[0] as string);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(1500);

    proxy.child.kill('SIGKILL');
    await proxy.exit;
    // No close, no unwatch: only the lease's end lets the daemon go.
    await vi.waitFor(async () => expect(await redis.exists(keys[0] as string)).toBe(0), {
      timeout: 10_000,
      interval: 50,
    });
    await vi.waitFor(() => expect(daemon.watchList()).not.toContain(node.dir), {
      timeout: 10_000,
      interval: 50,
    });
    expect(await redis.keys('jfsnotify:*watches*')).toEqual([]);
  }, 60_000);

  it('a registry set without a TTL (no proxy writes one) is not followed, with one warning', async () => {
    const { redis, addr } = await privateRedis();
    const node = await nodeDir();
    cleanup(node.cleanup);
    const daemon = await startDaemon({ channel: 'jfsnotify', redisAddr: addr });
    cleanup(() => daemon.close());
    const warnings = warningsOf(daemon);
    const names = notifyNames('jfsnotify');
    const forged = registryKey(names, 'forged');
    await redis.sadd(forged, node.dir);
    await redis.publish(names.control, JSON.stringify({ proxy: 'forged', op: 'sync' }));
    // A real lease, written after it, is followed: the daemon has read the registry with both.
    const lease = registryKey(names, 'real');
    await redis.multi().sadd(lease, dirname(node.dir)).pexpire(lease, 30_000).exec();
    await redis.publish(names.control, JSON.stringify({ proxy: 'real', op: 'sync' }));
    await vi.waitFor(() => expect(daemon.watchList()).toContain(dirname(node.dir)), {
      timeout: 10_000,
    });
    expect(daemon.watchList()).not.toContain(node.dir);
    await vi.waitFor(() =>
      expect(warnings.filter((w) => w.name === 'RegistryEntryError')).toHaveLength(1),
    );
    expect(warnings.find((w) => w.name === 'RegistryEntryError')?.message).toContain(forged);
    // Read again (periodic resyncs): still one warning for the same entry.
    const reads = daemon.stats().resyncs;
    await vi.waitFor(() => expect(daemon.stats().resyncs).toBeGreaterThan(reads + 1), {
      timeout: 10_000,
    });
    expect(warnings.filter((w) => w.name === 'RegistryEntryError')).toHaveLength(1);
  }, 30_000);
});
