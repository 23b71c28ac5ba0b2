import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { AllowedRoots } from '../../../lib/jfs-daemon/allowed-roots.ts';
import type { JfsDaemon } from '../../../lib/jfs-daemon/jfs-daemon.ts';
import { notifyNames, registryKey } from '../../../lib/jfs-protocol/redis-keys.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { startRedis, stopRedis } from '../../support/redis-server.ts';
import { client, nodeDir, startDaemon, startProxy, uniqueChannel } from '../jfs-proxy/support.ts';

const cleanup = cleanupAfterEach();

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-roots-'));
  cleanup(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function refusedPaths(warnings: Error[]): string[] {
  return warnings
    .filter((warning) => warning.name === 'RefusedPathError')
    .map((warning) => (warning as { path?: string }).path as string);
}

function collect(daemon: JfsDaemon): Error[] {
  const warnings: Error[] = [];
  const subscription = daemon.warnings$.subscribe((warning) => warnings.push(warning));
  cleanup(() => subscription.unsubscribe());
  return warnings;
}

describe('AllowedRoots (real directories and links)', () => {
  it('allows paths inside a root, existing or not, and refuses the rest with a reason', async () => {
    const dir = await tempDir();
    const root = join(dir, 'root');
    await mkdir(join(root, 'pod-a', 'data'), { recursive: true });
    await mkdir(join(dir, 'outside'));
    await symlink(join(dir, 'outside'), join(root, 'pod-a', 'data', 'escape'));
    await symlink(join(root, 'pod-a'), join(root, 'pod-b-link'));
    await symlink(root, join(dir, 'root-link'));
    const roots = new AllowedRoots([root]);
    expect(await roots.check(join(root, 'pod-a', 'data'))).toBeNull();
    expect(await roots.check(join(root, 'pod-a', 'data', 'not-yet', 'deeper'))).toBeNull();
    expect(await roots.check('/')).toMatch(/not inside a root/);
    expect(await roots.check('/etc')).toMatch(/not inside a root/);
    expect(await roots.check(join(root, '..', '..'))).toMatch(/not inside a root/);
    expect(await roots.check('relative/path')).toMatch(/not an absolute path/);
    // Links below the root are never followed, wherever they point (even inside the root).
    expect(await roots.check(join(root, 'pod-a', 'data', 'escape'))).toMatch(
      /symbolic link below the root .* leads to .*outside/,
    );
    expect(await roots.check(join(root, 'pod-a', 'data', 'escape', 'x'))).toMatch(/symbolic link/);
    expect(await roots.check(join(root, 'pod-b-link', 'data'))).toMatch(/symbolic link/);
    // A root that is itself a link is where it leads.
    const viaLink = new AllowedRoots([join(dir, 'root-link')]);
    expect(await viaLink.check(join(dir, 'root-link', 'pod-a', 'data'))).toBeNull();
    expect(await viaLink.check(join(dir, 'root-link', 'pod-a', 'data', 'escape'))).toMatch(
      /symbolic link/,
    );
    // No roots: any path, still without links.
    const none = new AllowedRoots([]);
    expect(await none.check('/etc')).toBeNull();
    expect(await none.check(join(root, 'pod-a', 'data', 'escape'))).toMatch(/symbolic link/);
  });
});

describe('the daemon watches only under its roots', () => {
  it('refuses a forged registry lease for /, /etc and a path out of the root; watches the one inside', async () => {
    const server = await startRedis();
    cleanup(() => stopRedis(server));
    const redis = new Redis({ port: server.port, lazyConnect: true });
    cleanup(() => redis.disconnect());
    await redis.connect();
    const root = await tempDir();
    await mkdir(join(root, 'ok'));
    const daemon = await startDaemon({
      channel: 'jfsnotify',
      redisAddr: `127.0.0.1:${server.port}`,
      roots: [root],
      paths: ['/usr'],
    });
    cleanup(() => daemon.close());
    expect(daemon.watchList()).toEqual([]);
    const warnings = collect(daemon);
    const names = notifyNames('jfsnotify');
    const key = registryKey(names, 'forged');
    const asked = ['/', '/etc', join(root, '..'), join(root, 'ok')];
    await redis
      .multi()
      .sadd(key, ...asked)
      .pexpire(key, 30_000)
      .exec();
    await redis.publish(names.control, JSON.stringify({ proxy: 'forged', op: 'sync' }));
    await vi.waitFor(
      () => expect(refusedPaths(warnings).sort()).toEqual(asked.slice(0, 3).sort()),
      {
        timeout: 10_000,
      },
    );
    await vi.waitFor(() => expect(daemon.watchList()).toContain(join(root, 'ok')));
    expect(daemon.watchList().sort()).toEqual([join(root, 'ok')]);
  }, 30_000);

  it('watches at most maxWatches registered paths; the rest are refused, and taken once there is room', async () => {
    const server = await startRedis();
    cleanup(() => stopRedis(server));
    const redis = new Redis({ port: server.port, lazyConnect: true });
    cleanup(() => redis.disconnect());
    await redis.connect();
    const root = await tempDir();
    const dirs = ['a', 'b', 'c', 'd', 'e'].map((name) => join(root, name));
    for (const dir of dirs) await mkdir(dir);
    const daemon = await startDaemon({
      channel: 'jfsnotify',
      redisAddr: `127.0.0.1:${server.port}`,
      roots: [root],
      maxWatches: 3,
    });
    cleanup(() => daemon.close());
    const warnings = collect(daemon);
    const names = notifyNames('jfsnotify');
    const key = registryKey(names, 'many');
    await redis
      .multi()
      .sadd(key, ...dirs)
      .pexpire(key, 30_000)
      .exec();
    await redis.publish(names.control, JSON.stringify({ proxy: 'many', op: 'change' }));
    await vi.waitFor(() => expect(refusedPaths(warnings)).toHaveLength(2), { timeout: 10_000 });
    await vi.waitFor(() => expect(daemon.watchList()).toHaveLength(3));
    expect(warnings.find((w) => w.name === 'RefusedPathError')?.message).toMatch(/maxWatches/);
    // Room again: two of the watched ones leave, the refused ones are taken at the next read.
    const watched = daemon.watchList();
    await redis.srem(key, watched[0] as string, watched[1] as string);
    await redis.publish(names.control, JSON.stringify({ proxy: 'many', op: 'change' }));
    await vi.waitFor(
      () =>
        expect(daemon.watchList().sort()).toEqual(
          dirs.filter((dir) => dir !== watched[0] && dir !== watched[1]).sort(),
        ),
      { timeout: 10_000 },
    );
  }, 30_000);

  it('a symbolic link inside a pod hostPath does not bring events from outside the mount', async () => {
    const channel = uniqueChannel();
    const node = await nodeDir();
    cleanup(node.cleanup);
    const outside = await tempDir();
    await symlink(outside, join(node.dir, 'escape'));
    const proxy = await startProxy(node.mounts, { channel, writeDebounce: 0 });
    cleanup(() => proxy.close());
    const daemon = await startDaemon({ channel });
    cleanup(() => daemon.close());
    const warnings = collect(daemon);
    const pod = client(proxy.address, ['/data', '/data/escape']);
    cleanup(pod.stop);
    const link = join(node.dir, 'escape');
    // The daemon has decided on the link: it watches it (the hole) or refused it.
    await vi.waitFor(
      () => {
        const decided = daemon.watchList().includes(link) || refusedPaths(warnings).includes(link);
        expect(decided && daemon.watchList().includes(node.dir)).toBe(true);
      },
      { timeout: 10_000 },
    );
    await vi.waitFor(() => expect(pod.source.status.kind).toBe('ready'), { timeout: 10_000 });
    await writeFile(join(outside, 'secret.txt'), 'x');
    // A barrier: a change inside the mount, written after, arrives.
    await writeFile(join(node.dir, 'inside.txt'), 'x');
    await vi.waitFor(
      () => expect(pod.events.map((event) => event.actorName)).toContain('/data/inside.txt'),
      { timeout: 10_000 },
    );
    await writeFile(join(node.dir, 'inside-2.txt'), 'x');
    await vi.waitFor(
      () => expect(pod.events.map((event) => event.actorName)).toContain('/data/inside-2.txt'),
      { timeout: 10_000 },
    );
    const leaked = pod.events.filter((event) => event.actorName.includes('secret'));
    expect(leaked).toEqual([]);
    expect(refusedPaths(warnings)).toEqual([link]);
    expect(daemon.watchList()).not.toContain(link);
  }, 30_000);
});
