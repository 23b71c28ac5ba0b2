import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { startInPane } from '../../support/terminal-pane.ts';

const cleanup = cleanupAfterEach();
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'batchwatch-tty-'));
  cleanup(() => rm(dir, { recursive: true, force: true }));
});

const filled = (rows: string[]): string[] => rows.filter((row) => row !== '');

describe('batchwatch watch on a terminal (tmux pane, what the screen shows)', () => {
  it('says once what it watches when ready, .git and node_modules left out', async () => {
    await mkdir(join(dir, 'src', 'lib'), { recursive: true });
    await mkdir(join(dir, 'node_modules', 'dep'), { recursive: true });
    await mkdir(join(dir, '.git', 'objects'), { recursive: true });
    await writeFile(join(dir, 'src', 'a.ts'), '');
    await writeFile(join(dir, 'src', 'lib', 'b.ts'), '');
    await writeFile(join(dir, 'node_modules', 'dep', 'index.js'), '');
    await writeFile(join(dir, '.git', 'HEAD'), '');
    const pane = await startInPane(['watch', '--interval', '50'], { cwd: dir });
    cleanup(() => pane.close());
    const rows = await pane.waitForScreen((screen) => {
      expect(filled(screen).at(-1)).toMatch(
        /^batchwatch: ready: watching 3 directories \(2 files\) in \d+\.\d s$/,
      );
    });
    // The scan's transient line is gone: the ready line is all there is.
    expect(filled(rows)).toHaveLength(1);
    await writeFile(join(dir, 'src', 'c.ts'), '');
    await pane.waitForScreen((screen) => expect(screen).toContain('  created src/c.ts'));
  });

  it('keeps one status line, cut to the width, counting a reconnect delay down', async () => {
    const socket = join(dir, 'no-dockerd-here.sock');
    const pane = await startInPane(['watch', '--docker', `unix://${socket}`], {
      cwd: dir,
      columns: 80,
      rows: 24,
    });
    cleanup(() => pane.close());
    const line = /^batchwatch: docker reconnecting in (\d+) s \(attempt (\d+)\): connect ENOENT/;
    // A delay of 2 s or more, then the same attempt one second nearer: the line counts down.
    let seen: { left: number; attempt: string } | undefined;
    await pane.waitForScreen((screen) => {
      const rows = filled(screen);
      const match = line.exec(rows.at(-1) ?? '');
      expect(match).not.toBeNull();
      const left = Number(match?.[1]);
      const attempt = match?.[2] as string;
      if (seen === undefined || seen.attempt !== attempt || left > seen.left) {
        if (left >= 2) seen = { left, attempt };
        throw new Error('waiting for a countdown');
      }
      expect(left).toBe(seen.left - 1);
    }, 30_000);
    const rows = filled(await pane.screen());
    // One line on the whole screen, one row high: no warning line per attempt, no wrapped text.
    expect(rows).toHaveLength(1);
    const status = rows[0] as string;
    expect(status.length).toBeLessThan(80);
    expect(status.endsWith('…')).toBe(true);
    // The delay is said once (the countdown), not again in the error's own words.
    expect(status.match(/reconnecting in/gi)).toHaveLength(1);
  }, 40_000);
});
