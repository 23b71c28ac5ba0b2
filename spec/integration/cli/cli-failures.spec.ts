// Each environment or usage failure of the real `batchwatch` program: exit 2, one line naming the
// input and the fix, no stack trace.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { type CliProcess, runCli, stopCli } from '../../support/cli-process.ts';

const cleanup = cleanupAfterEach();
const redis = (): string => `127.0.0.1:${inject('redisPort')}`;
/** A user the program runs as when permissions must apply (the tests may run as root). */
/** File permissions apply to the program, even when the tests run as root. */
const unprivileged = { permissionsApply: true };

/** A TCP port that is in use for the rest of the test. */
async function busyPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup(() => new Promise((resolve) => server.close(resolve)));
  return (server.address() as { port: number }).port;
}

/** Waits for the exit and checks the one-line contract; returns the line. */
async function failsWithOneLine(cli: CliProcess): Promise<string> {
  cleanup(() => stopCli(cli));
  expect(await cli.exit).toBe(2);
  const lines = cli.stderr().trim().split('\n');
  expect(lines, cli.stderr()).toHaveLength(1);
  expect(cli.stderr()).not.toMatch(/^\s+at /m);
  return lines[0] as string;
}

describe('batchwatch failures: exit 2 with one line', () => {
  let dir: string;
  let mounts: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bw-cli-fail-'));
    await chmod(dir, 0o755);
    mounts = join(dir, 'mounts.json');
    await writeFile(mounts, '[]');
    return () => rm(dir, { recursive: true, force: true });
  });

  it('proxy --listen on a port in use', async () => {
    const port = await busyPort();
    const line = await failsWithOneLine(
      runCli(['proxy', '--mounts', mounts, '--listen', `127.0.0.1:${port}`, '--redis', redis()]),
    );
    expect(line).toContain(`--listen 127.0.0.1:${port}: cannot listen (EADDRINUSE)`);
    expect(line).toContain('choose another');
  });

  it('proxy --listen on a unix socket in a missing directory', async () => {
    const socket = join(dir, 'missing', 'proxy.sock');
    const line = await failsWithOneLine(
      runCli(['proxy', '--mounts', mounts, '--listen', `unix:${socket}`, '--redis', redis()]),
    );
    expect(line).toContain(`--listen unix:${socket}: cannot listen (`);
    expect(line).toContain('directory does not exist');
  });

  it('proxy --listen on an address that is not local', async () => {
    const line = await failsWithOneLine(
      runCli(['proxy', '--mounts', mounts, '--listen', '192.0.2.1:5079', '--redis', redis()]),
    );
    expect(line).toContain('--listen 192.0.2.1:5079: cannot listen (EADDRNOTAVAIL)');
    expect(line).toContain('127.0.0.1');
  });

  it('proxy --metrics on a port in use', async () => {
    const port = await busyPort();
    const line = await failsWithOneLine(
      runCli([
        'proxy',
        '--mounts',
        mounts,
        '--listen',
        '127.0.0.1:0',
        '--redis',
        redis(),
        '--metrics',
        String(port),
      ]),
    );
    expect(line).toContain(`--metrics 127.0.0.1:${port}: cannot listen (EADDRINUSE)`);
  });

  it('watch --metrics on a port in use', async () => {
    const port = await busyPort();
    const line = await failsWithOneLine(runCli(['watch', dir, '--metrics', String(port)]));
    expect(line).toContain(`--metrics 127.0.0.1:${port}: cannot listen (EADDRINUSE)`);
  });

  it('watch with an unreadable directory as the only source', async () => {
    const locked = join(dir, 'locked');
    await mkdir(locked, { mode: 0o000 });
    onTestFinished(() => chmod(locked, 0o700));
    const line = await failsWithOneLine(runCli(['watch', locked], unprivileged));
    expect(line).toBe(`batchwatch: ${locked} cannot be read (EACCES): check its permissions.`);
  });

  it('watch with a path that exists but cannot be reached is unreadable, not missing', async () => {
    const locked = join(dir, 'locked-parent');
    await mkdir(join(locked, 'inner'), { recursive: true });
    await chmod(locked, 0o000);
    onTestFinished(() => chmod(locked, 0o700));
    const line = await failsWithOneLine(runCli(['watch', join(locked, 'inner')], unprivileged));
    expect(line).toContain('cannot be read (EACCES)');
    expect(line).not.toContain('no such file');
  });

  it('watch --docker with an unsupported scheme', async () => {
    const line = await failsWithOneLine(runCli(['watch', '--docker', 'ftp://x']));
    expect(line).toBe(
      'batchwatch: --docker ftp://x: ftp:// is not supported; use unix:///path/to/docker.sock, tcp://host:port or https://host:port.',
    );
  });

  it('watch --docker with DOCKER_HOST=ssh://', async () => {
    const line = await failsWithOneLine(
      runCli(['watch', '--docker'], { env: { DOCKER_HOST: 'ssh://user@host' } }),
    );
    expect(line).toContain('DOCKER_HOST=ssh://user@host: ssh:// is not supported');
  });

  it.each([
    ['--interval', '3000000000'],
    ['--interval', '1e400'],
    ['--interval', 'abc'],
  ])('watch %s %s', async (flag, value) => {
    const line = await failsWithOneLine(runCli(['watch', dir, flag, value]));
    expect(line).toBe(
      `batchwatch: ${flag} takes a number of ms > 0 and <= 2147483647, not "${value}".`,
    );
  });

  it('proxy --debounce past the longest timer', async () => {
    const line = await failsWithOneLine(
      runCli(['proxy', '--mounts', mounts, '--debounce', '2147483648']),
    );
    expect(line).toContain('--debounce takes a number of ms from 0 to 2147483647');
  });
});

describe('batchwatch daemon with a path that does not exist', () => {
  it('warns, naming it', async () => {
    const cli = runCli(['daemon', '--redis', redis(), '/no/such/dir']);
    cleanup(() => stopCli(cli));
    await cli.waitForStderr('batchwatch daemon: warning: /no/such/dir does not exist');
    cli.child.kill('SIGINT');
    expect(await cli.exit).toBe(0);
  });
});
