import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { runCli, stopCli } from '../../support/cli-process.ts';

const cleanup = cleanupAfterEach();

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-start-'));
  cleanup(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('batchwatch proxy start is bounded and interruptible', () => {
  it('refuses a mounts file that is a device, a pipe, a directory or too large, in one line', async () => {
    const dir = await tempDir();
    const fifo = join(dir, 'pipe');
    await promisify(execFile)('mkfifo', [fifo]);
    const huge = join(dir, 'huge.json');
    await writeFile(huge, '[');
    await truncate(huge, 64 * 1024 * 1024);
    await mkdir(join(dir, 'dir'));
    const cases: [string, RegExp][] = [
      ['/dev/zero', /is a character device, not a regular file/],
      [fifo, /is a named pipe, not a regular file/],
      [join(dir, 'dir'), /is a directory, not a regular file/],
      [huge, /is larger than 4194304 bytes/],
    ];
    for (const [file, problem] of cases) {
      const proxy = runCli(['proxy', '--mounts', file, '--listen', '127.0.0.1:0']);
      cleanup(() => stopCli(proxy));
      expect(await proxy.exit, file).toBe(2);
      const lines = proxy.stderr().trim().split('\n');
      expect(lines, proxy.stderr()).toHaveLength(1);
      expect(lines[0]).toContain(`The mounts file ${file} `);
      expect(lines[0]).toMatch(problem);
    }
  }, 60_000);

  it('batchwatch daemon says which of its NODE_PATHs are outside --root, and watches the rest', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'ok'));
    const daemon = runCli([
      'daemon',
      '--no-follow',
      join(root, 'ok'),
      '/usr',
      '--root',
      root,
      '--redis',
      '127.0.0.1:1',
    ]);
    cleanup(() => stopCli(daemon));
    await daemon.waitForStderr('watching 1 path(s)');
    expect(daemon.stderr()).toContain(`watching only under ${root}`);
    expect(daemon.stderr()).toMatch(/warning: not watching \/usr: it is not inside a root/);
    daemon.child.kill('SIGINT');
    expect(await daemon.exit).toBe(0);
  }, 30_000);

  it('Ctrl-C while the start waits on a Redis that does not answer ends it at once', async () => {
    // A "Redis" that accepts and never answers: the start waits on it.
    const sockets: Socket[] = [];
    let accepted!: () => void;
    const connected = new Promise<void>((resolve) => {
      accepted = resolve;
    });
    const server = createServer((socket) => {
      sockets.push(socket);
      accepted();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup(
      () =>
        new Promise((resolve) => {
          for (const socket of sockets) socket.destroy();
          server.close(resolve);
        }),
    );
    const port = (server.address() as { port: number }).port;
    const dir = await tempDir();
    const mounts = join(dir, 'mounts.json');
    await writeFile(mounts, '[]');
    const daemon = runCli(['daemon', '/tmp', '--redis', `127.0.0.1:${port}`]);
    cleanup(() => stopCli(daemon));
    await connected;
    daemon.child.kill('SIGINT');
    expect(await daemon.exit).toBe(130);
    expect(daemon.stderr()).not.toContain('watching');
  }, 30_000);
});
