// The local tree's initial scan takes a directory's names from its sink (a restart's snapshot)
// instead of reading it, by the directory's ctime read once the directory is watched: a change
// made after the parent was read, before the watch, is read from the disk, never missed.
import { lstatSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncScheduler } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { localTreeWatcher } from '../../../lib/local-watcher/local-tree-watcher.ts';
import type { TreeSink } from '../../../lib/local-watcher/tree-watcher.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';

const cleanup = cleanupAfterEach();

interface Scan {
  readonly found: string[];
  /** The ctime each directory's names were asked with. */
  readonly asked: Map<string, number>;
  /** Directories read, with how many names. */
  readonly listed: Map<string, number>;
}

/**
 * Scans `root` with a sink that knows `saved` names for directory `dir` at ctime `ctimeMs`;
 * `onFound(path)` runs as each entry is found (before the directories below it are scanned).
 */
async function scan(
  root: string,
  saved: { dir: string; ctimeMs: number; names: string[] },
  onFound: (path: string) => void = () => {},
): Promise<Scan> {
  const result: Scan = { found: [], asked: new Map(), listed: new Map() };
  let resolve = (): void => {};
  const ready = new Promise<void>((done) => {
    resolve = done;
  });
  const sink: TreeSink = {
    found: (path) => {
      result.found.push(path);
      onFound(path);
    },
    changed: () => {},
    tracked: () => {},
    scanned: () => {},
    warn: () => {},
    ready: () => resolve(),
    present: () => {},
    names: (dir, stats) => {
      result.asked.set(dir, stats.ctimeMs);
      return dir === saved.dir && stats.ctimeMs === saved.ctimeMs ? saved.names : undefined;
    },
    listed: (dir, _stats, names) => result.listed.set(dir, names),
  };
  const stop = localTreeWatcher.start(
    { dir: root, files: null },
    { ignored: [], depth: Number.POSITIVE_INFINITY, polling: null },
    sink,
    asyncScheduler,
  );
  cleanup(stop);
  await ready;
  return result;
}

describe('the local tree and names known without reading', () => {
  it('takes the known names of a directory unchanged since, and reads one changed before its watch', async () => {
    const root = await mkdtemp(join(tmpdir(), 'bw-saved-names-'));
    cleanup(() => rm(root, { recursive: true, force: true }));
    const dir = join(root, 'd');
    await mkdir(dir);
    await writeFile(join(dir, 'a'), 'a');
    const ctimeMs = lstatSync(dir).ctimeMs;

    const unchanged = await scan(root, { dir, ctimeMs, names: ['a'] });
    expect(unchanged.asked.get(dir)).toBe(ctimeMs);
    expect(unchanged.listed.has(dir)).toBe(false); // not read
    expect(unchanged.listed.get(root)).toBe(1); // the root has no known names: read
    expect(unchanged.found.sort()).toEqual([root, dir, join(dir, 'a')].sort());
    // Known names are untrusted: one given twice is entered once.
    const twice = await scan(root, { dir, ctimeMs, names: ['a', 'a'] });
    expect(twice.found.sort()).toEqual([root, dir, join(dir, 'a')].sort());

    // A file made in d once the root was read (d found), before d is watched: d's ctime moves (once
    // the clock has moved past the tick d's ctime is in: kernels before 6.13 stamp in ticks).
    await vi.waitFor(() => expect(Date.now()).toBeGreaterThan(ctimeMs + 50));
    const changed = await scan(root, { dir, ctimeMs, names: ['a'] }, (path) => {
      if (path === dir) writeFileSync(join(dir, 'made-meanwhile'), 'm');
    });
    expect(changed.asked.get(dir)).not.toBe(ctimeMs);
    expect(changed.listed.get(dir)).toBe(2);
    expect(changed.found).toContain(join(dir, 'made-meanwhile'));
  });
});
