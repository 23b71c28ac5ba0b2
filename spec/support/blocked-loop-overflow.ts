// One run of a fixture process whose event loop is blocked while many files are created in the
// directory it watches: what the daemon's NodeWatcher and the file source specs both prove (every
// file reported, a full inotify queue noticed). The fixture prints JSON lines: `ready`,
// `blocking` (after `block` on stdin), `unblocked` (once the marker file exists), `all` (with
// `created` and `counters`), `warning` and `force-reload` lines.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { expect, onTestFinished, vi } from 'vitest';
import { inotifyQueueLimit } from '../../lib/local-watcher/inotify-overflow.ts';

/** A line the fixture printed. */
export interface FixtureLine {
  readonly type: string;
  readonly [key: string]: unknown;
}

/** The two ways events are read: on the calling thread ('0') and on the watch thread (''). */
export const THREAD_MODES = [
  [
    'on the calling thread (BATCHWATCH_WATCH_THREAD=0): the overflow is detected and read again',
    '0',
  ],
  ['with the watch thread (the default): read where the blocked loop cannot stall it', ''],
] as const;

/** What an overflow warning looks like. */
export const OVERFLOW_WARNING = expect.objectContaining({
  name: 'InotifyOverflowError',
  code: 'BATCHWATCH_INOTIFY_OVERFLOW',
  message: expect.stringContaining('sysctl -w fs.inotify.max_queued_events='),
});

/** The child's JSON lines so far, and a way to wait for one. */
function linesOf(child: ChildProcess): {
  lines: FixtureLine[];
  next: (type: string) => Promise<FixtureLine>;
} {
  const lines: FixtureLine[] = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
    lines.push(JSON.parse(text) as FixtureLine);
  });
  const next = (type: string): Promise<FixtureLine> =>
    vi.waitFor(
      () => {
        const found = lines.find((line) => line.type === type);
        expect(found, `no "${type}" line yet: ${JSON.stringify(lines.slice(-3))}`).toBeDefined();
        return found as FixtureLine;
      },
      { timeout: 90_000, interval: 20 },
    );
  return { lines, next };
}

/**
 * Runs `fixture` on a fresh directory with events read as `thread` says, blocks its loop, creates
 * `files` files, unblocks it and waits for its `all` line. Checks what holds in both modes: the
 * files outnumber the kernel's queue, every warning is an overflow warning, and on the calling
 * thread exactly one was given.
 */
export async function runBlockedLoop(
  fixture: string,
  thread: string,
  files = 50_000,
): Promise<{ all: FixtureLine; lines: FixtureLine[] }> {
  // Two events per file (create, modify): far more than the kernel queues for a blocked reader.
  expect(files * 2).toBeGreaterThan(inotifyQueueLimit());
  const dir = await mkdtemp(join(tmpdir(), 'bw-overflow-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
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
  const warnings = lines.filter((line) => line.type === 'warning');
  if (thread === '0') {
    // The blocked thread reads its own queue: it overflowed, and that was noticed.
    expect(warnings).toEqual([OVERFLOW_WARNING]);
  } else {
    // Read on the thread: it kept up or, starved by a loaded machine, noticed that it did not.
    for (const warning of warnings) expect(warning).toEqual(OVERFLOW_WARNING);
  }
  return { all, lines };
}
