// A file source with a checkpoint (the SQLite journal, real files): changes made while it was not
// watching (creates, writes, deletes, renames of files and directories) are reported exactly on
// the next start, before `ready`; and nothing is reported again on the start after that.
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Event } from '../../../../lib/events/event.ts';
import { SqliteJournal } from '../../../../lib/journal/sqlite-journal.ts';
import { fileSource } from '../../../../lib/sources/file/file-source.ts';

let dir: string;
let tree: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'batchwatch-snapshot-'));
  tree = join(dir, 'tree');
  await mkdir(tree);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const names: Record<number, string> = {
  1: 'written',
  2: 'created',
  4: 'deleted',
  8: 'renamed',
  4096: 'reload',
};
const summary = (events: Event[]) =>
  events.map((e) =>
    e.oldName === undefined
      ? `${names[e.action]} ${e.actorName}`
      : `${names[e.action]} ${e.oldName} -> ${e.actorName}`,
  );

/** Watches until ready, returns what was reported by then, and stops (the snapshot is saved). */
async function startAndStop(journal: SqliteJournal): Promise<Event[]> {
  const source = fileSource(tree, { checkpoint: journal });
  const events: Event[] = [];
  const subscription = source.subscribe((event) => events.push(event));
  await source.ready();
  subscription.unsubscribe();
  journal.commit();
  return events;
}

describe('fileSource with a checkpoint', () => {
  it('reports exactly the changes made while it was down', async () => {
    await writeFile(join(tree, 'edit.txt'), 'v1');
    await writeFile(join(tree, 'gone.txt'), 'x');
    await writeFile(join(tree, 'old-name.txt'), 'r');
    await mkdir(join(tree, 'dir-gone'));
    await writeFile(join(tree, 'dir-gone', 'inner.txt'), 'i');
    await mkdir(join(tree, 'dir-old'));
    await writeFile(join(tree, 'dir-old', 'kept.txt'), 'k');
    const journal = new SqliteJournal({ path: join(dir, 'journal.sqlite') });
    try {
      expect(await startAndStop(journal)).toEqual([]); // first start: nothing known before

      // While down:
      await writeFile(join(tree, 'edit.txt'), 'version two');
      await rm(join(tree, 'gone.txt'));
      await rename(join(tree, 'old-name.txt'), join(tree, 'new-name.txt'));
      await rm(join(tree, 'dir-gone'), { recursive: true });
      await rename(join(tree, 'dir-old'), join(tree, 'dir-new'));
      await mkdir(join(tree, 'dir-made'));
      await writeFile(join(tree, 'dir-made', 'a.txt'), 'a');
      await writeFile(join(tree, 'made.txt'), 'm');

      expect(summary(await startAndStop(journal))).toEqual([
        'renamed dir-old -> dir-new',
        'renamed old-name.txt -> new-name.txt',
        'deleted gone.txt',
        'deleted dir-gone/inner.txt',
        'deleted dir-gone',
        'created dir-made',
        'created dir-made/a.txt',
        'created made.txt',
        'written edit.txt',
      ]);
      // Nothing changed since: nothing to report.
      expect(await startAndStop(journal)).toEqual([]);
    } finally {
      await journal.close();
    }
  });

  it('keeps the snapshot up to date with what it delivered while watching', async () => {
    const journal = new SqliteJournal({ path: join(dir, 'journal.sqlite') });
    try {
      await startAndStop(journal);
      const source = fileSource(tree, { checkpoint: journal });
      const events: Event[] = [];
      const subscription = source.subscribe((event) => events.push(event));
      await source.ready();
      await writeFile(join(tree, 'live.txt'), 'l');
      await expect.poll(() => summary(events)).toContain('created live.txt');
      subscription.unsubscribe();
      // Delivered live, so not reported again at the next start.
      expect(await startAndStop(journal)).toEqual([]);
    } finally {
      await journal.close();
    }
  });

  it('reports a ForceReload when the saved snapshot cannot be read', async () => {
    const journal = new SqliteJournal({ path: join(dir, 'journal.sqlite') });
    try {
      journal.setCheckpoint('file', 'damaged');
      expect(summary(await startAndStop(journal))).toEqual(['reload ']);
    } finally {
      await journal.close();
    }
  });
});
