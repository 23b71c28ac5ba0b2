import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { runCli, stopCli } from '../../support/cli-process.ts';
import { freePort } from '../../support/redis-server.ts';
import { nodeWithMounts } from './jfs-fault-support.ts';

const cleanup = cleanupAfterEach();

describe('batchwatch daemon | proxy | watch --jfs (three real programs, one real Redis)', () => {
  it('carries a node-side change to the watch command as a pod path, and each exits 0 on SIGINT', async () => {
    const { node, mounts } = await nodeWithMounts(cleanup, 'bw-chain-');
    const redis = `127.0.0.1:${inject('redisPort')}`;
    const port = await freePort();
    const daemon = runCli(['daemon', '--redis', redis]);
    cleanup(() => stopCli(daemon));
    const proxy = runCli([
      'proxy',
      '--mounts',
      mounts,
      '--listen',
      `127.0.0.1:${port}`,
      '--redis',
      redis,
      '--debounce',
      '100',
    ]);
    cleanup(() => stopCli(proxy));
    await daemon.waitForStderr('batchwatch daemon: watching');
    await proxy.waitForStderr('redis ready');
    const watch = runCli(
      [
        'watch',
        '--jfs',
        `127.0.0.1:${port}`,
        '--jfs-path',
        '/data',
        '--format',
        'json',
        '--interval',
        '50',
      ],
      {
        env: { NAMESPACE: 'default', POD_NAME: 'web-0', CONTAINER_NAME: 'app', NOTIFY_SERVER: '' },
      },
    );
    cleanup(() => stopCli(watch));
    await watch.waitForStderr('jfs ready');
    // 'jfs ready' means watching (issue 9): the daemon caught up on the registration, so ONE change
    // written now must arrive; no retry loop hides a lost first change.
    await writeFile(join(node, 'note-1.txt'), 'x');
    const line = await watch.waitForLine((text) => text.includes('/data/note-'), 20_000);
    const batch = JSON.parse(line) as { events: { type: string; actorName: string }[] };
    expect(batch.events[0]).toMatchObject({
      type: 'file',
      actorName: '/data/note-1.txt',
    });
    for (const cli of [watch, proxy, daemon]) {
      cli.child.kill('SIGINT');
      expect(await cli.exit).toBe(0);
    }
    expect(proxy.stderr()).toMatch(
      /1 connection\(s\), \d+ frame\(s\) in, [1-9]\d* event\(s\) delivered/,
    );
    expect(daemon.stderr()).toMatch(/[1-9]\d* change\(s\) seen/);
  }, 60_000);

  it('proxy without --mounts and daemon with a relative path exit 2 with one line', async () => {
    const proxy = runCli(['proxy']);
    cleanup(() => stopCli(proxy));
    expect(await proxy.exit).toBe(2);
    expect(proxy.stderr()).toBe(
      'batchwatch: proxy needs --mounts FILE (the containers and their hostPath mounts) or --kubernetes (see --help).\n',
    );
    const daemon = runCli(['daemon', 'relative/dir']);
    cleanup(() => stopCli(daemon));
    expect(await daemon.exit).toBe(2);
    expect(daemon.stderr()).toBe(
      'batchwatch: daemon takes absolute node paths, not "relative/dir".\n',
    );
  });

  it('proxy with a broken mounts file exits 2 naming the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bw-chain-'));
    cleanup(() => rm(dir, { recursive: true, force: true }));
    const mounts = join(dir, 'mounts.json');
    await writeFile(mounts, '{not json');
    const proxy = runCli([
      'proxy',
      '--mounts',
      mounts,
      '--listen',
      '127.0.0.1:0',
      '--redis',
      `127.0.0.1:${inject('redisPort')}`,
    ]);
    cleanup(() => stopCli(proxy));
    expect(await proxy.exit).toBe(2);
    expect(proxy.stderr()).toContain(`The mounts file ${mounts} is not JSON`);
  });
});
