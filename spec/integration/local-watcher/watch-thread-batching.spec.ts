// The watch thread (real inotify on a temp dir) under a steady flow of changes: it passes them to
// the main thread at most once per 50 ms, so that the main thread wakes once per group instead of
// once per change (issue 26: the daemon's CPU at rest), in order, none lost.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { watchDirectory } from '../../../lib/local-watcher/watch-directory.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';

const cleanup = cleanupAfterEach();

describe('the watch thread under a steady flow', () => {
  it('groups the changes of 40 files made 10 ms apart into at most one message per 50 ms, in order, none lost', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bw-watch-thread-'));
    cleanup(() => rm(dir, { recursive: true, force: true }));
    const seen: string[] = [];
    // Events that reach the main thread in one turn of its event loop came in one message.
    let turns = 0;
    let inTurn = false;
    const errors: Error[] = [];
    const handle = watchDirectory(
      dir,
      (_type, name) => {
        if (!inTurn) {
          inTurn = true;
          turns++;
          setImmediate(() => {
            inTurn = false;
          });
        }
        if (name !== null && !seen.includes(name)) seen.push(name);
      },
      (error) => errors.push(error),
    );
    cleanup(() => handle.close());

    const files = Array.from({ length: 40 }, (_, i) => `f${i}`);
    const start = performance.now();
    for (const file of files) {
      await writeFile(join(dir, file), '');
      // The pace of the flow (100 changes a second), not a wait for a condition.
      await sleep(10);
    }
    await vi.waitFor(() => expect(seen).toHaveLength(files.length), { timeout: 5000 });
    const elapsed = performance.now() - start;

    expect(seen).toEqual(files);
    expect(errors).toEqual([]);
    // One message at once, then at most one per 50 ms (sent per change, it was about 40); a little
    // room for timers' millisecond rounding.
    expect(turns).toBeLessThanOrEqual(Math.ceil(elapsed / 45) + 2);
    expect(turns).toBeGreaterThan(1);
  });
});
