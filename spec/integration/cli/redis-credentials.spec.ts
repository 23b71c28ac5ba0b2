import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { type CliProcess, runCli, stopCli } from '../../support/cli-process.ts';
import { freePort, startRedis, stopRedis } from '../../support/redis-server.ts';
import { nodeDir, pod } from '../jfs-proxy/support.ts';

const cleanup = cleanupAfterEach();

const ADMIN_PASSWORD = 'Admin-Pw-4f9c1e';
const APP_PASSWORD = 'App:Pw/7d2@b';
const WRONG_PASSWORD = 'Wrong-Pw-93ab57';

/** A redis-server that requires a password, with an ACL user `app` (and a password with URL specials). */
async function securedRedis() {
  const server = await startRedis({
    args: [
      '--requirepass',
      ADMIN_PASSWORD,
      '--user',
      'app',
      'on',
      `>${APP_PASSWORD}`,
      '~*',
      '&*',
      '+@all',
      '--databases',
      '4',
    ],
    password: ADMIN_PASSWORD,
  });
  cleanup(() => stopRedis(server));
  const admin = new Redis({ port: server.port, password: ADMIN_PASSWORD, lazyConnect: true });
  cleanup(() => admin.disconnect());
  await admin.connect();
  return { port: server.port, admin };
}

function everything(cli: CliProcess): string {
  return `${cli.stdoutLines().join('\n')}\n${cli.stderr()}`;
}

/** Stops a serving command as a user would (SIGINT) and waits for it to end. */
async function interrupt(cli: CliProcess): Promise<number | string> {
  cli.child.kill('SIGINT');
  return cli.exit;
}

describe('batchwatch and a Redis with passwords (real processes)', () => {
  it('an ACL user in a redis:// URL works, and no output of the run (DEBUG on) carries a password', async () => {
    const { port, admin } = await securedRedis();
    const node = await nodeDir();
    cleanup(node.cleanup);
    const url = `redis://app:${encodeURIComponent(APP_PASSWORD)}@127.0.0.1:${port}/2`;
    const daemon = runCli(['daemon', '--no-follow', node.dir, '--redis', url], {
      env: { DEBUG: '*', REDIS_PASSWORD: ADMIN_PASSWORD },
    });
    cleanup(() => stopCli(daemon));
    await daemon.waitForStderr('watching 1 path(s)');
    await writeFile(join(node.dir, 'hello.txt'), 'x');
    // In database 2, as the URL says.
    await admin.select(2);
    await vi.waitFor(async () => expect(await admin.xlen('jfsnotify:stream')).toBeGreaterThan(1), {
      timeout: 10_000,
    });
    await admin.select(0);
    expect(await admin.exists('jfsnotify:stream')).toBe(0);

    const dir = await mkdtemp(join(tmpdir(), 'bw-creds-'));
    cleanup(() => rm(dir, { recursive: true, force: true }));
    const mounts = join(dir, 'mounts.json');
    await writeFile(mounts, JSON.stringify([{ ...pod, mounts: node.mounts }]));
    const proxy = runCli(
      ['proxy', '--mounts', mounts, '--listen', `127.0.0.1:${await freePort()}`],
      {
        env: {
          DEBUG: 'batchwatch:*,ioredis:*',
          REDIS_ADDR: `127.0.0.1:${port}`,
          REDIS_PASSWORD: ADMIN_PASSWORD,
        },
      },
    );
    cleanup(() => stopCli(proxy));
    await proxy.waitForStderr('redis ready');
    expect(await interrupt(daemon)).toBe(0);
    expect(await interrupt(proxy)).toBe(0);
    for (const cli of [daemon, proxy]) {
      const output = everything(cli);
      // The run really logged (ioredis's own DEBUG lines name AUTH): the check below is not vacuous.
      expect(output).toMatch(/auth/i);
      expect(output).not.toContain(ADMIN_PASSWORD);
      expect(output).not.toContain(APP_PASSWORD);
      expect(output).not.toContain(encodeURIComponent(APP_PASSWORD));
    }
  }, 60_000);

  it('a wrong password: the reason (WRONGPASS) is printed once without DEBUG, never the password', async () => {
    const { port, admin } = await securedRedis();
    const node = await nodeDir();
    cleanup(node.cleanup);
    const daemon = runCli([
      'daemon',
      '--no-follow',
      node.dir,
      '--redis',
      `redis://app:${WRONG_PASSWORD}@127.0.0.1:${port}`,
    ]);
    cleanup(() => stopCli(daemon));
    await daemon.waitForStderr('watching 1 path(s)');
    // Reconnections go on meanwhile; wait for several.
    await vi.waitFor(
      async () => {
        const info = await admin.info('stats');
        const clients = Number(/total_connections_received:(\d+)/.exec(info)?.[1] ?? 0);
        expect(clients).toBeGreaterThan(6);
      },
      { timeout: 15_000, interval: 200 },
    );
    expect(await interrupt(daemon)).toBe(0);
    const output = everything(daemon);
    expect(output).not.toContain(WRONG_PASSWORD);
    const reasons = output.split('\n').filter((line) => line.includes('WRONGPASS'));
    expect(reasons, output).toHaveLength(1);
    expect(reasons[0]).toContain('redis://app@127.0.0.1');
  }, 60_000);

  it('a database the server does not have stops the command at start (exit 2), before writing anywhere', async () => {
    const { port, admin } = await securedRedis();
    const node = await nodeDir();
    cleanup(node.cleanup);
    const daemon = runCli(['daemon', '--no-follow', node.dir, '--redis', `127.0.0.1:${port}/16`], {
      env: { REDIS_PASSWORD: ADMIN_PASSWORD },
    });
    cleanup(() => stopCli(daemon));
    expect(await daemon.exit).toBe(2);
    const lines = daemon.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/has no database 16 \(.*DB index is out of range\)/);
    expect(lines[0]).not.toContain(ADMIN_PASSWORD);
    expect(await admin.dbsize()).toBe(0);
  }, 30_000);

  it('credentials in --docker, DOCKER_HOST, --jfs and --redis URLs are redacted from errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bw-creds-'));
    cleanup(() => rm(dir, { recursive: true, force: true }));
    const mounts = join(dir, 'mounts.json');
    await writeFile(mounts, '[]');
    const runs = [
      runCli(['--docker', 'tcp://me:Docker-Pw-1@127.0.0.1:notaport']),
      runCli(['--docker'], { env: { DOCKER_HOST: 'tcp://me:Docker-Pw-2@127.0.0.1:x/y' } }),
      runCli(['--jfs', 'tcp://me:Jfs-Pw-3@127.0.0.1', '--jfs-path', '/x']),
      runCli(['daemon', '/x', '--redis', 'redis://me:Redis-Pw-4@127.0.0.1:1/notadb']),
      runCli(['proxy', '--mounts', mounts, '--redis', 'redis://me:Redis-Pw-5@h:99999']),
      runCli(['--help'], {
        env: { REDIS_PASSWORD: 'Env-Pw-6', REDIS_ADDR: 'redis://:Env-Pw-7@h' },
      }),
    ];
    const codes = await Promise.all(runs.map((run) => run.exit));
    expect(codes).toEqual([2, 2, 2, 2, 2, 0]);
    for (const [i, run] of runs.entries()) {
      const output = everything(run);
      expect(output, output).not.toMatch(/-Pw-\d/);
      if (i < 5) expect(output, output).toContain(':***@');
    }
  }, 60_000);
});
