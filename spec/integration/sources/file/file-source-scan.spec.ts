import { mkdirSync, writeFileSync } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Action, type Event } from '../../../../lib/index.ts';
import { fileSource } from '../../../../lib/sources/file/file-source.ts';
import { Recorder, tempDir } from './support.ts';

const is =
  (action: Action, actorId: string) =>
  (event: Event): boolean =>
    event.action === action && event.actorId === actorId;

describe('fileSource initial scan (real files)', () => {
  it('loses nothing made while the scan runs, in directories it has passed or not reached yet', async () => {
    const root = await tempDir();
    // Large enough that the scan takes several event-loop turns (it yields every 4,096 entries).
    for (let d = 0; d < 100; d++) {
      mkdirSync(join(root, `d${d}`));
      for (let f = 0; f < 100; f++) writeFileSync(join(root, `d${d}`, `f${f}`), 'x');
    }
    const source = fileSource(root);
    const rec = new Recorder(source);
    // The scan runs between these turns: write into every directory, whichever it has reached.
    const made: string[] = [];
    for (let turn = 0; source.status.kind !== 'ready'; turn++) {
      const path = join(root, `d${(turn * 37) % 100}`, `during-${turn}`);
      writeFileSync(path, 'made during the scan');
      made.push(path);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await source.ready();
    expect(made.length).toBeGreaterThan(1);
    expect(source.stats()['scanned']).toBeGreaterThanOrEqual(10_100);

    // Each is known: reported as created (its directory was read before), or found by the scan
    // (read after): then a rename of it is paired, which needs what the scan remembered.
    for (const path of made) {
      if (rec.events.some(is(Action.FileCreated, path))) continue;
      await rename(path, `${path}.moved`);
      const { event } = await rec.next(is(Action.FileRenamed, `${path}.moved`));
      expect(event.actorAttributes['oldPath']).toBe(path);
      await unlink(`${path}.moved`);
      await rec.next(is(Action.FileDeleted, `${path}.moved`));
    }
    expect(rec.warnings).toEqual([]);
  });
});
