import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { inotifyQueueLimit } from '../../../lib/local-watcher/inotify-overflow.ts';
import { tempDir } from '../sources/file/support.ts';

const fixture = fileURLToPath(new URL('fixtures/blocked-node-watcher.ts', import.meta.url));

interface Line {
  readonly type: string;
  readonly [key: string]: unknown;
}

/** The child's JSON lines so far, and a way to wait for one. */
function linesOf(child: ChildProcess): { lines: Line[]; next: (type: string) => Promise<Line> } {
  const lines: Line[] = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
    lines.push(JSON.parse(text) as Line);
  });
  const next = (type: string): Promise<Line> =>
    vi.waitFor(
      () => {
        const found = lines.find((line) => line.type === type);
        expect(found, `no "${type}" line yet: ${JSON.stringify(lines.slice(-3))}`).toBeDefined();
        return found as Line;
      },
      { timeout: 90_000, interval: 20 },
    );
  return { lines, next };
}

describe("the daemon's NodeWatcher when the kernel inotify queue overflows (a real process with a blocked event loop)", () => {
  it.each([
    [
      'on the calling thread (BATCHWATCH_WATCH_THREAD=0): the overflow is detected and read again',
      '0',
    ],
    ['with the watch thread (the default): read where the blocked loop cannot stall it', ''],
  ])(
    '%s: a Create for every one of 50,000 files made while its event loop is blocked',
    async (_name, thread) => {
      const files = 50_000;
      // Two events per file (create, modify): far more than the kernel queues for a blocked reader.
      expect(files * 2).toBeGreaterThan(inotifyQueueLimit());
      const dir = await tempDir();
      const root = join(dir, 'watched');
      await mkdir(root);
      const marker = join(dir, 'unblock');
      const child = spawn(process.execPath, [fixture, root, marker, String(files)], {
        stdio: ['pipe', 'pipe', 'inherit'],
        env: { ...process.env, BATCHWATCH_WATCH_THREAD: thread },
      });
      onTestFinished(() => void child.kill());
      const { lines, next } = linesOf(child);
      await next('ready');

      child.stdin?.write('block\n');
      await next('blocking');
      for (let i = 0; i < files; i++) writeFileSync(join(root, `f-${i}.txt`), 'x');
      writeFileSync(marker, '');
      await next('unblocked');

      const all = await next('all');
      expect(all['created']).toBe(files);
      const warnings = lines.filter((line) => line.type === 'warning');
      const overflow = expect.objectContaining({
        name: 'InotifyOverflowError',
        code: 'BATCHWATCH_INOTIFY_OVERFLOW',
        message: expect.stringContaining('sysctl -w fs.inotify.max_queued_events='),
      });
      if (thread === '0') {
        // The blocked thread reads its own queue: it overflowed, and that was noticed.
        expect(warnings).toEqual([overflow]);
      } else {
        // Read on the thread: it kept up or, starved by a loaded machine, noticed that it did not.
        for (const warning of warnings) expect(warning).toEqual(overflow);
      }
    },
    180_000,
  );
});
