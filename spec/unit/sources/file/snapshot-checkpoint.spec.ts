// The file source's checkpoint on a restart: the current tree comes from what the watchers' scans
// read (found with their stats), not from a second walk; it is compared with the saved snapshot
// and the new one is saved after `resume()` settles, not before. No file is read: the roots do not
// exist, so a walk (the fallback) would find nothing, and every stat is made up.
import { queueScheduler, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Event } from '../../../../lib/events/event.ts';
import type { CheckpointStore } from '../../../../lib/journal/checkpoint-store.ts';
import { rootsIgnoreMatcher } from '../../../../lib/local-watcher/ignore-matcher.ts';
import type { SourceContext } from '../../../../lib/sources/event-source.ts';
import { SETTLED_MS } from '../../../../lib/sources/file/dir-listings.ts';
import { SnapshotCheckpoint } from '../../../../lib/sources/file/snapshot-checkpoint.ts';
import { SnapshotColumns } from '../../../../lib/sources/file/snapshot-columns.ts';
import { readTreeSnapshot } from '../../../../lib/sources/file/stored-snapshot.ts';
import {
  serializeSnapshot,
  type TreeSnapshot,
} from '../../../../lib/sources/file/tree-snapshot.ts';
import type { WatchRoot } from '../../../../lib/sources/file/watch-roots.ts';
import { fakeStats as stats } from '../../../support/fake-stats.ts';

const ROOT = '/no/such/root';

/** A store in memory: what is saved under each name, and how many saves were made. */
function memoryStore(initial?: TreeSnapshot) {
  const values = new Map<string, string>();
  if (initial !== undefined) values.set('files', serializeSnapshot(initial));
  const store = {
    values,
    saves: 0,
    checkpoint: (name: string) => values.get(name),
    setCheckpoint: (name: string, value: string) => {
      values.set(name, value);
      store.saves++;
    },
  };
  return store;
}

/** What the next start reads: the saved snapshot with the changes saved beside it, by path. */
function readBack(store: CheckpointStore): TreeSnapshot {
  return readTreeSnapshot(store, 'files') as TreeSnapshot;
}

/** The whole snapshot saved last. */
const savedWhole = (store: ReturnType<typeof memoryStore>) =>
  SnapshotColumns.decode(store.values.get('files') as string) as SnapshotColumns;

function context(events: Event[]): SourceContext {
  return {
    next: (event) => events.push(event),
    status: () => {},
    warn: () => {},
    count: () => {},
    error: (err) => {
      throw err;
    },
    signal: new AbortController().signal,
    log: () => {},
  };
}

function checkpoint(
  store: CheckpointStore,
  root: WatchRoot,
  scheduler = queueScheduler,
  keepsCtime = (_path: string) => true,
) {
  return new SnapshotCheckpoint({
    keepsCtime,
    store,
    name: 'files',
    roots: [root],
    depth: Number.POSITIVE_INFINITY,
    ignore: rootsIgnoreMatcher(['**/*.tmp'], [root.dir]),
    scheduler,
    saveInterval: 10,
  });
}

const entry = (ino: number, size: number, mtimeMs: number, dir = false) => ({
  id: `1:${ino}:${ino * 10}`,
  size,
  mtimeMs,
  dir,
});

describe('SnapshotCheckpoint on a restart', () => {
  it('takes the current tree from what the scan found: created, written, deleted and renamed, no walk', async () => {
    const root: WatchRoot = { dir: ROOT, files: null, covered: -1 };
    const store = memoryStore(
      new Map([
        [`${ROOT}/kept`, entry(1, 1, 100)],
        [`${ROOT}/written`, entry(2, 1, 100)],
        [`${ROOT}/deleted`, entry(3, 1, 100)],
        [`${ROOT}/old-name`, entry(4, 1, 100)],
      ]),
    );
    const scheduler = new VirtualTimeScheduler();
    const snapshot = checkpoint(store, root, scheduler);
    snapshot.found(root, ROOT, stats(99, 0, 0, true));
    snapshot.found(root, `${ROOT}/kept`, stats(1, 1, 100));
    snapshot.found(root, `${ROOT}/written`, stats(2, 5, 200));
    snapshot.found(root, `${ROOT}/new-name`, stats(4, 1, 100));
    snapshot.found(root, `${ROOT}/created`, stats(5, 1, 100));
    snapshot.found(root, `${ROOT}/ignored.tmp`, stats(6, 1, 100));
    const events: Event[] = [];
    await snapshot.resume(context(events));
    expect(events.map((e) => [e.action, e.actorName, e.actorAttributes['oldPath']])).toEqual([
      [8, 'new-name', `${ROOT}/old-name`],
      [4, 'deleted', undefined],
      [2, 'created', undefined],
      [1, 'written', undefined],
    ]);
    // Saved just after, not before resume() settled (ready waits for resume, not for the save).
    expect(store.saves).toBe(0);
    const before = store.values.get('files');
    scheduler.flush();
    // Only the changes, beside the snapshot as it was.
    expect(store.saves).toBe(1);
    expect(store.values.get('files')).toBe(before);
    expect(store.values.get('files:changes')).toMatch(/^bwtc1:/);
    const saved = readBack(store);
    // The root's own directory and ignored entries are not in it; what the scan read is.
    expect([...saved.keys()].sort()).toEqual(
      [`${ROOT}/created`, `${ROOT}/kept`, `${ROOT}/new-name`, `${ROOT}/written`].sort(),
    );
    expect(saved.get(`${ROOT}/written`)).toEqual(entry(2, 5, 200));
    // Closed: the whole snapshot, no changes beside it; the same tree.
    snapshot.close();
    expect(store.values.get('files')).not.toBe(before);
    expect(store.values.get('files:changes')).toBe('');
    expect(readBack(store)).toEqual(saved);
  });

  it('keeps only the watched files of a single-file root', async () => {
    const root: WatchRoot = { dir: ROOT, files: new Set([`${ROOT}/a.conf`]), covered: -1 };
    const store = memoryStore(new Map([[`${ROOT}/a.conf`, entry(1, 1, 100)]]));
    const snapshot = checkpoint(store, root);
    snapshot.found(root, ROOT, stats(99, 0, 0, true));
    snapshot.found(root, `${ROOT}/a.conf`, stats(1, 2, 300));
    snapshot.found(root, `${ROOT}/other`, stats(2, 1, 100));
    const events: Event[] = [];
    await snapshot.resume(context(events));
    expect(events.map((e) => [e.action, e.actorId])).toEqual([[1, `${ROOT}/a.conf`]]);
    snapshot.close();
    expect([...readBack(store).keys()]).toEqual([`${ROOT}/a.conf`]);
  });

  it('walks the tree itself when a watcher found an entry without its stats', async () => {
    const root: WatchRoot = { dir: ROOT, files: null, covered: -1 };
    const store = memoryStore(new Map([[`${ROOT}/was-there`, entry(1, 1, 100)]]));
    const snapshot = checkpoint(store, root);
    snapshot.found(root, `${ROOT}/was-there`, stats(1, 1, 100));
    snapshot.found(root, `${ROOT}/no-stats`, undefined);
    const events: Event[] = [];
    await snapshot.resume(context(events));
    // The walk of a root that is not there finds nothing: everything saved is gone.
    expect(events.map((e) => [e.action, e.actorId])).toEqual([[4, `${ROOT}/was-there`]]);
    snapshot.close();
  });

  it("does not fail the scan when the store fails: resume() reports the store's error", async () => {
    const root: WatchRoot = { dir: ROOT, files: null, covered: -1 };
    const failure = new Error('the journal is closed');
    const store: CheckpointStore = {
      checkpoint: () => {
        throw failure;
      },
      setCheckpoint: () => {},
    };
    const snapshot = checkpoint(store, root);
    snapshot.load();
    expect(() => snapshot.found(root, `${ROOT}/a`, stats(1, 1, 100))).not.toThrow();
    await expect(snapshot.resume(context([]))).rejects.toBe(failure);
    snapshot.close();
  });

  it('vouches for the names of directories read with a settled ctime, and gives them back on the next restart', async () => {
    const root: WatchRoot = { dir: ROOT, files: null, covered: -1 };
    const store = memoryStore();
    const old = Date.now() - 10 * SETTLED_MS;
    const dirStats = (ino: number, ctimeMs: number) =>
      Object.assign(stats(ino, 1, 100, true), { ctimeMs });
    const first = checkpoint(store, root);
    first.found(root, ROOT, stats(99, 0, 0, true));
    // Found in the order the scan finds them: each directory, then (when read) its entries.
    const tree: [string, number, boolean][] = [
      [`${ROOT}/settled`, 10, true],
      [`${ROOT}/recent`, 11, true],
      [`${ROOT}/settled/a`, 12, false],
      [`${ROOT}/settled/b`, 13, false],
      [`${ROOT}/recent/c`, 14, false],
    ];
    for (const [path, ino, dir] of tree) first.found(root, path, stats(ino, 1, 100, dir));
    first.listed(`${ROOT}/settled`, dirStats(10, old), 2, Date.now());
    // Changed less than SETTLED_MS before it was read: a change in the same clock tick would not show.
    first.listed(`${ROOT}/recent`, dirStats(11, Date.now() - 5), 1, Date.now());
    await first.resume(context([]));
    first.close();
    const saved = savedWhole(store);
    expect(saved.listings.of(0)).toEqual({ first: 2, names: 2, ctimeMs: old });
    expect(saved.listings.of(1)).toBeUndefined();

    /** A restart that finds the tree as saved; `keeps`: whether the filesystem keeps ctimes. */
    const restart = (keeps = true) => {
      const snapshot = checkpoint(store, root, queueScheduler, () => keeps);
      snapshot.found(root, ROOT, stats(99, 0, 0, true));
      snapshot.found(root, `${ROOT}/settled`, stats(10, 1, 100, true));
      snapshot.found(root, `${ROOT}/recent`, stats(11, 1, 100, true));
      return snapshot;
    };
    const again = restart();
    expect(again.names(`${ROOT}/settled`, dirStats(10, old + 1))).toBeUndefined(); // changed since
    expect(again.names(`${ROOT}/settled`, dirStats(15, old))).toBeUndefined(); // another directory
    expect(again.names(`${ROOT}/recent`, dirStats(11, old))).toBeUndefined(); // never vouched for
    expect(again.names(`${ROOT}/settled`, dirStats(10, old))).toEqual(['a', 'b']);
    for (const [path, ino, dir] of tree.slice(2)) again.found(root, path, stats(ino, 1, 100, dir));
    const events: Event[] = [];
    await again.resume(context(events));
    again.close();
    expect(events).toEqual([]);
    // Still vouched for in the snapshot saved next.
    const next = savedWhole(store);
    expect(next.listings.of(0)).toEqual({ first: 2, names: 2, ctimeMs: old });
    // On a filesystem whose ctimes cannot be relied on (vfat, a network one): never.
    const elsewhere = restart(false);
    expect(elsewhere.names(`${ROOT}/settled`, dirStats(10, old))).toBeUndefined();
    elsewhere.listed(`${ROOT}/recent`, dirStats(11, old), 1, Date.now());
    await elsewhere.resume(context([]));
    elsewhere.close();
    const notKept = savedWhole(store);
    expect(notKept.listings.of(1)).toBeUndefined();
  });
});
