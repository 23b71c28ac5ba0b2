// Files created and removed while the daemon's main thread is busy (a GC, a loaded machine): the
// watch thread reads both events in time, but by the time the main thread looks the file is gone.
// fsnotify reports both events; the daemon must too (it reported nothing: the soak lost them).
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { NodeWatcher } from '../../../lib/jfs-daemon/node-watcher.ts';
import type { JfsEvent } from '../../../lib/jfs-protocol/jfs-message.ts';
import { Op } from '../../../lib/jfs-protocol/op.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';

const cleanup = cleanupAfterEach();
const FILES = 100;

/** A new directory watched by a NodeWatcher of its own, and what it reports. */
async function watchedDir(): Promise<{ dir: string; events: JfsEvent[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'bw-transient-'));
  cleanup(() => rm(dir, { recursive: true, force: true }));
  const watcher = new NodeWatcher();
  cleanup(() => watcher.close());
  const events: JfsEvent[] = [];
  watcher.events$.subscribe((event) => events.push(event));
  await watcher.add(dir);
  return { dir, events };
}

describe("the daemon's NodeWatcher and short-lived files", () => {
  it('reports a Create then a Remove for each file made and removed while its main thread was blocked', async () => {
    const { dir, events } = await watchedDir();
    // Synchronous: this thread is blocked while the shell makes and removes each file, so every
    // event waits (read by the watch thread) until each file is gone. Some with content.
    execFileSync(
      'sh',
      ['-c', `for i in $(seq 0 ${FILES - 1}); do echo x > t$i; rm t$i; : > e$i; rm e$i; done`],
      { cwd: dir },
    );
    const ops = (prefix: string, i: number): number[] =>
      events.filter((e) => e.name === join(dir, `${prefix}${i}`)).map((e) => e.op);
    await vi.waitFor(() => {
      for (let i = 0; i < FILES; i++) {
        expect(ops('t', i)).toEqual([Op.Create, Op.Remove]);
        expect(ops('e', i)).toEqual([Op.Create, Op.Remove]);
      }
    });
    expect(events).toHaveLength(FILES * 4);
    expect(events.every((e) => e.key === dir)).toBe(true);
  });

  it('still reports a file that stays once, and a file removed after it was seen once', async () => {
    const { dir, events } = await watchedDir();
    execFileSync('sh', ['-c', 'echo x > kept; echo y > gone'], { cwd: dir });
    await vi.waitFor(() => expect(events.filter((e) => e.op === Op.Create)).toHaveLength(2));
    execFileSync('sh', ['-c', 'rm gone'], { cwd: dir });
    await vi.waitFor(() => expect(events.filter((e) => e.op === Op.Remove)).toHaveLength(1));
    expect(events.map((e) => [e.name.slice(dir.length + 1), e.op])).toEqual([
      ['kept', Op.Create],
      ['gone', Op.Create],
      ['gone', Op.Remove],
    ]);
  });

  it('reports a known file written then removed while its main thread was blocked once removed', async () => {
    const { dir, events } = await watchedDir();
    execFileSync('sh', ['-c', `for i in $(seq 0 ${FILES - 1}); do echo x > w$i; done`], {
      cwd: dir,
    });
    await vi.waitFor(() => expect(events.filter((e) => e.op === Op.Create)).toHaveLength(FILES));
    // The write's event finds each file gone (it is removed): the removal is reported then, and
    // the removal's own event, read later, is not a short life of a new file.
    execFileSync('sh', ['-c', `for i in $(seq 0 ${FILES - 1}); do echo y >> w$i; rm w$i; done`], {
      cwd: dir,
    });
    await vi.waitFor(() => expect(events.filter((e) => e.op === Op.Remove)).toHaveLength(FILES));
    // A later short life of each name is still reported.
    execFileSync('sh', ['-c', `for i in $(seq 0 ${FILES - 1}); do : > w$i; rm w$i; done`], {
      cwd: dir,
    });
    await vi.waitFor(() =>
      expect(events.filter((e) => e.op === Op.Remove)).toHaveLength(FILES * 2),
    );
    for (let i = 0; i < FILES; i++) {
      expect(
        events.filter((e) => e.name === join(dir, `w${i}`) && e.op !== Op.Write).map((e) => e.op),
      ).toEqual([Op.Create, Op.Remove, Op.Create, Op.Remove]);
    }
  });
});
