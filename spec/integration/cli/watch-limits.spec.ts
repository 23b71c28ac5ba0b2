import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { encodeMessage } from '../../../lib/jfs-protocol/encode-message.ts';
import { MessageType } from '../../../lib/jfs-protocol/message-type.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { runCli, stopCli } from '../../support/cli-process.ts';
import { freePort, startRedis, stopRedis } from '../../support/redis-server.ts';
import { client, nodeDir, pod, rawClient } from '../jfs-proxy/support.ts';

const cleanup = cleanupAfterEach();

/** Resident memory of a process, in bytes, from /proc. */
function rss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for ${pid}`);
  return Number(kib) * 1024;
}

/** Node paths in every proxy's registry set. */
async function registered(redis: Redis): Promise<number> {
  const keys = await redis.keys('jfsnotify:watches:*');
  let total = 0;
  for (const key of keys) total += await redis.scard(key);
  return total;
}

const FRAMES = 10;
const PATHS_PER_FRAME = 4000;
const MB = 1000 * 1000;

describe('batchwatch proxy and daemon under a WATCH flood (real processes)', () => {
  it(`refuse past 256 watches a connection: ${FRAMES} frames of ${PATHS_PER_FRAME} paths cost both < 50 MB, and leaving gives the paths back`, async () => {
    const redisServer = await startRedis();
    cleanup(() => stopRedis(redisServer));
    const redisAddr = `127.0.0.1:${redisServer.port}`;
    const redis = new Redis({ port: redisServer.port, lazyConnect: true });
    cleanup(() => redis.disconnect());
    await redis.connect();
    const node = await nodeDir();
    cleanup(node.cleanup);
    await mkdir(join(node.dir, 'probe'));
    const dir = await mkdtemp(join(tmpdir(), 'bw-watch-limits-'));
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
      redisAddr,
      '--debounce',
      '0',
    ]);
    cleanup(() => stopCli(proxy));
    const daemon = runCli(['daemon', '--redis', redisAddr]);
    cleanup(() => stopCli(daemon));
    await proxy.waitForStderr('redis ready');
    await daemon.waitForStderr('those proxies register');

    const good = client(`127.0.0.1:${port}`, ['/data']);
    cleanup(good.stop);
    await vi.waitFor(() => expect(good.source.status.kind).toBe('ready'), { timeout: 10_000 });
    await writeFile(join(node.dir, 'before.txt'), 'x');
    await vi.waitFor(
      () => expect(good.events.map((event) => event.actorName)).toContain('/data/before.txt'),
      { timeout: 15_000 },
    );
    const pids = [proxy.child.pid as number, daemon.child.pid as number];
    const baseline = pids.map(rss);
    const peak = [...baseline];
    const sampler = setInterval(() => {
      for (const [i, pid] of pids.entries()) peak[i] = Math.max(peak[i] as number, rss(pid));
    }, 20);
    cleanup(() => clearInterval(sampler));

    // The attacker: one connection, its own pod's channel, paths that do not exist under its mount.
    const attacker = await rawClient(`127.0.0.1:${port}`);
    cleanup(() => attacker.socket.destroy());
    const channelId = 'default/web-0/app/flood';
    for (let frame = 0; frame < FRAMES; frame++) {
      const paths = Array.from(
        { length: PATHS_PER_FRAME },
        (_, i) => `/data/missing-${frame}-${i}/x`,
      );
      await new Promise<void>((resolve) =>
        attacker.socket.write(encodeMessage({ type: MessageType.Watch, channelId, paths }), () =>
          resolve(),
        ),
      );
    }
    await proxy.waitForStderr('maxWatchesPerConnection', 30_000);
    // Its 256 watches (and the good client's one) are all the registry holds.
    await vi.waitFor(async () => expect(await registered(redis)).toBe(1 + 256), {
      timeout: 15_000,
      interval: 50,
    });
    expect(attacker.closed()).toBe(false);
    // A probe through the same connection: one junk path out, a real directory in. Its event
    // reaching the attacker proves the daemon has applied a registry read holding the flood.
    attacker.socket.write(
      encodeMessage({ type: MessageType.Unwatch, channelId, paths: ['/data/missing-0-0/x'] }),
    );
    attacker.socket.write(
      encodeMessage({ type: MessageType.Watch, channelId, paths: ['/data/probe'] }),
    );
    await vi.waitFor(
      async () => {
        await writeFile(join(node.dir, 'probe', 'p.txt'), String(Math.random()));
        expect(attacker.received().includes(Buffer.from('/data/probe/p.txt'))).toBe(true);
      },
      { timeout: 20_000, interval: 200 },
    );
    // The good client is served throughout.
    await writeFile(join(node.dir, 'during.txt'), 'x');
    await vi.waitFor(
      () => expect(good.events.map((event) => event.actorName)).toContain('/data/during.txt'),
      { timeout: 15_000 },
    );
    for (const [i, pid] of pids.entries()) peak[i] = Math.max(peak[i] as number, rss(pid));
    clearInterval(sampler);
    const growth = peak.reduce((sum, value, i) => sum + value - (baseline[i] as number), 0);
    expect(
      growth,
      `proxy ${baseline[0]} -> ${peak[0]}, daemon ${baseline[1]} -> ${peak[1]} bytes`,
    ).toBeLessThan(50 * MB);

    // The attacker leaves: its registrations go, the good client's stays.
    attacker.socket.destroy();
    await vi.waitFor(async () => expect(await registered(redis)).toBe(1), {
      timeout: 15_000,
      interval: 50,
    });
    await writeFile(join(node.dir, 'after.txt'), 'x');
    await vi.waitFor(
      () => expect(good.events.map((event) => event.actorName)).toContain('/data/after.txt'),
      { timeout: 15_000 },
    );
    // One warning line per refused frame, naming the client and the limit.
    const refusals = proxy
      .stderr()
      .split('\n')
      .filter((line) => line.includes('maxWatchesPerConnection'));
    expect(refusals.length).toBeGreaterThanOrEqual(FRAMES - 1);
    expect(refusals[0]).toMatch(
      /warning: Client 127\.0\.0\.1:\d+ \(channel "default\/web-0\/app\/flood"\)/,
    );
    expect(proxy.child.exitCode).toBeNull();
    expect(daemon.child.exitCode).toBeNull();
  }, 180_000);
});
