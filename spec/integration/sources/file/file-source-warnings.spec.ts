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

  it('reports ENOSPC (inotify watch limit) as warnings naming each path and the fix, and keeps watching the rest', async () => {
    const root = await tempDir();
    for (let i = 0; i < 40; i++) await mkdir(join(root, `d${i}`));
    const probe = join(root, 'probe.txt');
    // A user namespace has its own inotify limit, lowered here for the child only.
    const lowLimit = [
      'unshare',
      '--user',
      '--map-root-user',
      'sh',
      '-c',
      'echo 10 > /proc/sys/user/max_inotify_watches && exec "$0" "$@"',
    ];

    const lines = await report(lowLimit, root, probe);

    const warnings = lines.filter((line) => line.type === 'warning');
    expect(warnings.length).toBeGreaterThanOrEqual(30);
    expect(new Set(warnings.map((warning) => warning['path'])).size).toBe(warnings.length);
    for (const warning of warnings) {
      expect(warning).toMatchObject({ name: 'FileWatchError', systemCode: 'ENOSPC' });
      expect(String(warning['path'])).toMatch(new RegExp(`^${root}/d\\d+$`));
      expect(warning['message']).toMatch(
        /fs\.inotify\.max_user_watches=\d+.*or use polling: true\.$/,
      );
    }
    expect(lines.at(-1)).toEqual({ type: 'event', action: 2, actorName: 'probe.txt' });
  });
});
