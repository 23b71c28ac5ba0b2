// A file source with a checkpoint (the SQLite journal, real files): changes made while it was not
// watching (creates, writes, deletes, renames of files and directories) are reported exactly on
// the next start, before `ready`; and nothing is reported again on the start after that.
import { lstatSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Event } from '../../../../lib/events/event.ts';
import { SqliteJournal } from '../../../../lib/journal/sqlite-journal.ts';
import { fileIdentity } from '../../../../lib/local-watcher/file-identity.ts';
import { SETTLED_MS } from '../../../../lib/sources/file/dir-listings.ts';
import { fileSource } from '../../../../lib/sources/file/file-source.ts';
import { readTreeSnapshot } from '../../../../lib/sources/file/stored-snapshot.ts';

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
/** A file source on `tree` with `journal` as its checkpoint, ready: what it delivers, and its stop. */
async function watching(
  journal: SqliteJournal,
): Promise<{ events: Event[]; stop: () => void; dirsFromSnapshot: number }> {
  const source = fileSource(tree, { checkpoint: journal });
  const events: Event[] = [];
  const subscription = source.subscribe((event) => events.push(event));
  await source.ready();
  const dirsFromSnapshot = source.stats()['dirsFromSnapshot'] ?? 0;
  return { events, stop: () => subscription.unsubscribe(), dirsFromSnapshot };
}

async function startAndStop(journal: SqliteJournal): Promise<Event[]> {
  const { events, stop } = await watching(journal);
  stop();
  journal.commit();
  return events;
}

/** Every path below `root` (the root itself left out), as a snapshot holds them. */
function onDisk(root: string): string[] {
  const paths: string[] = [];
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    paths.push(path);
    if (lstatSync(path).isDirectory()) paths.push(...onDisk(path));
  }
  return paths.sort();
}

/** The paths of the snapshot saved in `journal`. */
function savedPaths(journal: SqliteJournal): string[] {
  return [...(readTreeSnapshot(journal, 'file')?.keys() ?? [])].sort();
}

/** The tree as 0.2.0 saved it (format 1: JSON rows, raw-deflated, base64). */
function formatOneSnapshot(root: string): string {
  const rows = onDisk(root).map((path) => {
    const stats = lstatSync(path);
    return [
      path,
      fileIdentity(stats) ?? '',
      stats.size,
      stats.mtimeMs,
      stats.isDirectory() ? 1 : 0,
    ];
  });
  return deflateRawSync(JSON.stringify([1, rows]), { level: 1 }).toString('base64');
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

  it('takes the names of directories unchanged since they were read from the snapshot, and still reports every change', async () => {
    const dirs = ['same', 'written', 'created', 'deleted', 'renamed', 'moved'];
    for (const name of dirs) {
      await mkdir(join(tree, name));
      await writeFile(join(tree, name, 'a'), 'a');
      await writeFile(join(tree, name, 'b'), 'b');
    }
    // A directory is vouched for only when its ctime was SETTLED_MS in the past when it was read.
    const settledAt = Math.max(...dirs.map((name) => lstatSync(join(tree, name)).ctimeMs));
    await vi.waitFor(() => expect(Date.now()).toBeGreaterThan(settledAt + SETTLED_MS), {
      timeout: 3 * SETTLED_MS,
    });
    const journal = new SqliteJournal({ path: join(dir, 'journal.sqlite') });
    try {
      const first = await watching(journal);
      first.stop();
      expect(first.events).toEqual([]);
      expect(first.dirsFromSnapshot).toBe(0); // nothing saved: every directory read

      // While down: a write changes no directory; the rest change theirs.
      await writeFile(join(tree, 'written', 'a'), 'a, version two');
      await writeFile(join(tree, 'created', 'new'), 'n');
      await rm(join(tree, 'deleted', 'a'));
      await rename(join(tree, 'renamed', 'a'), join(tree, 'renamed', 'a2'));
      await rename(join(tree, 'moved'), join(tree, 'moved2'));

      const restart = await watching(journal);
      expect(summary(restart.events)).toEqual([
        'renamed moved -> moved2',
        'renamed renamed/a -> renamed/a2',
        'deleted deleted/a',
        'created created/new',
        'written written/a',
      ]);
      // Not read: 'same' and 'written' ('moved2', a path the snapshot does not know, is read).
      expect(restart.dirsFromSnapshot).toBe(2);
      // Watching: a change in a directory the restart did not read is seen and saved.
      await writeFile(join(tree, 'same', 'live'), 'l');
      await expect.poll(() => summary(restart.events)).toContain('created same/live');
      restart.stop();

      const again = await watching(journal);
      again.stop();
      expect(again.events).toEqual([]);
      expect(onDisk(tree)).toEqual(savedPaths(journal));
      expect(again.dirsFromSnapshot).toBe(1); // 'written': the others changed since they were read
    } finally {
      await journal.close();
    }
  });

  it('keeps the snapshot up to date with what it delivered while watching', async () => {
    const journal = new SqliteJournal({ path: join(dir, 'journal.sqlite') });
    try {
      await startAndStop(journal);
      const { events, stop } = await watching(journal);
      await writeFile(join(tree, 'live.txt'), 'l');
      await expect.poll(() => summary(events)).toContain('created live.txt');
      stop();
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
      // One that declares more than it holds, or holds more than it declares (a deflate bomb).
      journal.setCheckpoint(
        'file',
        `bwts2:64:${deflateRawSync(Buffer.alloc(1 << 24)).toString('base64')}`,
      );
      expect(summary(await startAndStop(journal))).toEqual(['reload ']);
      journal.setCheckpoint('file', `bwts2:4000000000:${deflateRawSync('x').toString('base64')}`);
      expect(summary(await startAndStop(journal))).toEqual(['reload ']);
      // Each reload saved the tree as it is: the next start reports nothing.
      expect(await startAndStop(journal)).toEqual([]);
    } finally {
      await journal.close();
    }
  });

  it('reads a snapshot saved by 0.2.0 (format 1) and reports exactly the changes since', async () => {
    await writeFile(join(tree, 'edit.txt'), 'v1');
    await writeFile(join(tree, 'gone.txt'), 'x');
    await mkdir(join(tree, 'dir-old'));
    await writeFile(join(tree, 'dir-old', 'kept.txt'), 'k');
    const journal = new SqliteJournal({ path: join(dir, 'journal.sqlite') });
    try {
      journal.setCheckpoint('file', formatOneSnapshot(tree));
      journal.commit();
      await writeFile(join(tree, 'edit.txt'), 'version two');
      await rm(join(tree, 'gone.txt'));
      await rename(join(tree, 'dir-old'), join(tree, 'dir-new'));
      await writeFile(join(tree, 'made.txt'), 'm');
      expect(summary(await startAndStop(journal))).toEqual([
        'renamed dir-old -> dir-new',
        'deleted gone.txt',
        'created made.txt',
        'written edit.txt',
      ]);
      // Saved again in the current format: the tree as it is, and nothing to report next time.
      expect(journal.checkpoint('file')?.startsWith('bwts2:')).toBe(true);
      expect(savedPaths(journal)).toEqual(onDisk(tree));
      expect(await startAndStop(journal)).toEqual([]);
    } finally {
      await journal.close();
    }
  });

  it('follows directories deleted, renamed and made while watching: the saved snapshot is the tree', async () => {
    for (const name of ['gone', 'old', 'kept']) {
      await mkdir(join(tree, name, 'deep'), { recursive: true });
      await writeFile(join(tree, name, 'deep', 'f.txt'), name);
      await writeFile(join(tree, name, 'g.txt'), name);
    }
    await writeFile(join(tree, 'gone-neighbour.txt'), 'n'); // named like the deleted directory
    const journal = new SqliteJournal({ path: join(dir, 'journal.sqlite') });
    try {
      await startAndStop(journal);
      const { events, stop } = await watching(journal);
      await rm(join(tree, 'gone'), { recursive: true });
      await rename(join(tree, 'old'), join(tree, 'new'));
      await mkdir(join(tree, 'made', 'deep'), { recursive: true });
      await writeFile(join(tree, 'made', 'deep', 'm.txt'), 'm');
      await expect
        .poll(() => summary(events))
        .toEqual(
          expect.arrayContaining(['deleted gone', 'renamed old -> new', 'created made/deep/m.txt']),
        );
      stop();
      journal.commit();
      expect(savedPaths(journal)).toEqual(onDisk(tree));
      expect(await startAndStop(journal)).toEqual([]);
    } finally {
      await journal.close();
    }
  });
});
