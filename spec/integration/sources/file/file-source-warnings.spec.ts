import { execFile } from 'node:child_process';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { tempDir } from './support.ts';

const fixture = fileURLToPath(new URL('fixtures/watch-and-report.ts', import.meta.url));

interface Line {
  readonly type: 'warning' | 'event' | 'ready';
  readonly [key: string]: unknown;
}

/** Runs the fixture under `wrapper` (a command and its arguments) and returns its JSON lines. */
function report(wrapper: readonly string[], root: string, probe: string): Promise<Line[]> {
  const [command = process.execPath, ...args] = [
    ...wrapper,
    process.execPath,
    fixture,
    root,
    probe,
  ];
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error !== null) {
        reject(new Error(`${command} failed: ${error.message}\n${stderr}\n${stdout}`));
        return;
      }
      resolve(
        stdout
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => JSON.parse(line) as Line),
      );
    });
  });
}

describe('fileSource watch errors (real permission and inotify limits, in a child process)', () => {
  it('reports EACCES as a warning naming the path and the fix, and keeps watching the rest', async () => {
    const root = await tempDir();
    const locked = join(root, 'locked');
    await mkdir(join(locked, 'inner'), { recursive: true });
    await chmod(locked, 0o000);
    onTestFinished(() => chmod(locked, 0o700));
    // root ignores permissions: the child stays root but without the capabilities that bypass
    // them, so it meets a real EACCES and can still read the checkout wherever it lies.
    const asUser =
      process.getuid?.() === 0 ? ['setpriv', '--bounding-set=-dac_override,-dac_read_search'] : [];
    const probe = join(root, 'probe.txt');

    const lines = await report(asUser, root, probe);

    expect(lines.filter((line) => line.type === 'warning')).toEqual([
      {
        type: 'warning',
        name: 'FileWatchError',
        code: 'BATCHWATCH_FILE_WATCH_FAILED',
        path: locked,
        systemCode: 'EACCES',
        message: `Cannot watch ${locked} (EACCES): permission denied. Give this process read access to ${locked}, or add it to ignored.`,
      },
    ]);
    expect(lines.map((line) => line.type)).toContain('ready');
    expect(lines.at(-1)).toEqual({ type: 'event', action: 2, actorName: 'probe.txt' });
  });

  /** A child in a user namespace of its own, whose inotify limit `file` is set to `value` (not the host's). */
  const inUserNamespace = (file: string, value: number): string[] => [
    'unshare',
    '--user',
    '--map-root-user',
    'sh',
    '-c',
    `echo ${value} > /proc/sys/user/${file} && exec "$0" "$@"`,
  ];

  it('falls back to polling when out of inotify watches (ENOSPC), with one warning naming the sysctl', async () => {
    const root = await tempDir();
    for (let i = 0; i < 40; i++) await mkdir(join(root, `d${i}`));
    // Past the 10 watches the child may have: polled, and still reported.
    const probe = join(root, 'd39', 'probe.txt');

    const lines = await report(inUserNamespace('max_inotify_watches', 10), root, probe);

    const warnings = lines.filter((line) => line.type === 'warning');
    expect(warnings).toEqual([
      expect.objectContaining({
        name: 'FileWatchFallbackError',
        code: 'BATCHWATCH_FILE_WATCH_FALLBACK',
        systemCode: 'ENOSPC',
        message: expect.stringMatching(
          /fs\.inotify\.max_user_watches\).*Polling it every 250 ms.*sysctl -w fs\.inotify\.max_user_watches=524288/,
        ),
      }),
    ]);
    expect(String(warnings[0]?.['path'])).toMatch(new RegExp(`^${root}/d\\d+$`));
    expect(lines.at(-1)).toEqual({ type: 'event', action: 2, actorName: 'd39/probe.txt' });
  });

  it('falls back to polling when no inotify instance can be had (EMFILE), with one warning naming the limits', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'sub'));
    const probe = join(root, 'sub', 'probe.txt');

    const lines = await report(inUserNamespace('max_inotify_instances', 0), root, probe);

    const warnings = lines.filter((line) => line.type === 'warning');
    expect(warnings).toEqual([
      expect.objectContaining({
        name: 'FileWatchFallbackError',
        path: root,
        systemCode: 'EMFILE',
        message: expect.stringMatching(/ulimit -n 65536.*fs\.inotify\.max_user_instances=1024/),
      }),
    ]);
    expect(lines.at(-1)).toEqual({ type: 'event', action: 2, actorName: 'sub/probe.txt' });
  });
});
