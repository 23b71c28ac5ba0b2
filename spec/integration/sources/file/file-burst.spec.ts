import { mkdir, rmdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { Action, type Event, EventQueue, type QueueError } from '../../../../lib/index.ts';
import { fileSource } from '../../../../lib/sources/file/file-source.ts';
import { describeEvent, tempDir } from './support.ts';

const DIRS = 10;
const FILES_PER_DIR = 1000;
const CONCURRENCY = 64;

/** Runs `work` on every item, at most `limit` at a time. */
async function pool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

describe('fileSource burst through an EventQueue (real files)', () => {
  it('reports every path in every phase of a 10,000-file burst: created, modified, deleted', async () => {
    const root = await tempDir();
    const dirs = Array.from({ length: DIRS }, (_, d) => join(root, `dir-${d}`));
    const files = dirs.flatMap((dir) =>
      Array.from({ length: FILES_PER_DIR }, (_, f) => join(dir, `file-${f}.txt`)),
    );
    const everyPath = [...dirs, ...files];

    const phases: Event[][][] = [[], [], []];
    let phase = 0;
    const errors: QueueError[] = [];
    const source = fileSource(root);
    const queue = new EventQueue({
      flushInterval: 100,
      coalesce: true,
      onFlush: (batch) => void phases[phase]?.push([...batch]),
      onError: (error) => errors.push(error),
    });
    queue.start(source);
    await source.ready();

    /** Waits until every path in `paths` has had an event with `action` flushed in this phase. */
    const reported = async (paths: readonly string[], action: Action): Promise<void> => {
      await vi.waitFor(
        () => {
          const seen = new Set<string>();
          for (const batch of phases[phase] ?? []) {
            for (const event of batch) if (event.action === action) seen.add(event.actorId);
          }
          const missing = paths.filter((path) => !seen.has(path));
          expect(missing.length, `not yet reported: ${missing.slice(0, 3).join(', ')}`).toBe(0);
        },
        { timeout: 60_000, interval: 50 },
      );
      await queue.sync();
    };

    for (const dir of dirs) await mkdir(dir);
    await pool(files, CONCURRENCY, (file) => writeFile(file, 'created'));
    await reported(everyPath, Action.FileCreated);

    phase = 1;
    await pool(files, CONCURRENCY, (file) => writeFile(file, 'modified, longer'));
    await reported(files, Action.FileWritten);

    phase = 2;
    await pool(files, CONCURRENCY, (file) => unlink(file));
    for (const dir of dirs) await rmdir(dir);
    await reported(everyPath, Action.FileDeleted);
    expect(source.stats()['tracked']).toBe(1); // the root itself: every deleted path is forgotten
    await queue.drain();

    // Coalescing: one event per path per batch.
    for (const batch of phases.flat()) {
      expect(new Set(batch.map((event) => event.actorId)).size).toBe(batch.length);
    }
    /** The actions of each path over the batches of a phase. */
    const historyOf = (batches: Event[][]): Map<string, string[]> => {
      const history = new Map<string, string[]>();
      for (const event of batches.flat()) {
        const actions = history.get(event.actorId) ?? [];
        actions.push(describeEvent(event).split(' ')[0] as string);
        history.set(event.actorId, actions);
      }
      return history;
    };
    const [created, modified, deleted] = phases.map(historyOf) as [
      Map<string, string[]>,
      Map<string, string[]>,
      Map<string, string[]>,
    ];
    // Created (merged with the content write when both landed in one batch), perhaps then written.
    expect([...created.keys()].sort()).toEqual([...everyPath].sort());
    for (const [path, actions] of created) {
      expect([path, actions[0]]).toEqual([path, 'created']);
      expect(actions.slice(1).every((action) => action === 'written')).toBe(true);
    }
    // Modified: only writes.
    expect([...modified.keys()].sort()).toEqual([...files].sort());
    for (const actions of modified.values()) expect(new Set(actions)).toEqual(new Set(['written']));
    // Deleted exactly once, last; before it at most a late write of the previous phase.
    expect([...deleted.keys()].sort()).toEqual([...everyPath].sort());
    for (const actions of deleted.values()) {
      expect(actions.at(-1)).toBe('deleted');
      expect(actions.filter((action) => action !== 'written')).toEqual(['deleted']);
    }
    expect(queue.stats()).toMatchObject({ dropped: 0, errors: 0, deadLettered: 0 });
    expect(errors).toEqual([]);
    expect(source.stats()['warnings']).toBe(0);
    expect(source.stats()['renames'] ?? 0).toBe(0);
  }, 180_000);
});
