// The restart's comparison, entry by entry as a scan finds them, against the saved columns: the
// same events whatever order the scan finds the tree in, a path found twice counted once, and the
// snapshot it leaves is exactly the tree found (pure: made-up stats, no disk).
import type { Stats } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Event } from '../../../../lib/events/event.ts';
import {
  SnapshotColumns,
  type SnapshotEntry,
} from '../../../../lib/sources/file/snapshot-columns.ts';
import { TreeDiff } from '../../../../lib/sources/file/tree-diff.ts';
import type { WatchRoot } from '../../../../lib/sources/file/watch-roots.ts';
import { fakeStats as stats } from '../../../support/fake-stats.ts';

const roots: WatchRoot[] = [{ dir: '/w', files: null, covered: -1 }];

const entry = (ino: number, size: number, mtimeMs: number, dir = false): SnapshotEntry => ({
  id: `1:${ino}:${ino * 10}`,
  size,
  mtimeMs,
  dir,
});

const saved = SnapshotColumns.from([
  ['/w/d', entry(1, 4096, 1, true)],
  ['/w/d/a', entry(2, 1, 1)],
  ['/w/d/b', entry(3, 1, 1)],
  ['/w/e', entry(4, 4096, 1, true)],
  ['/w/e/x', entry(5, 1, 1)],
  ['/w/kept', entry(6, 1, 1)],
  ['/w/gone', entry(7, 1, 1)],
  ['/w/old', entry(8, 1, 1)],
]);
/** The tree now: d/b written, e renamed to f (its entry with it), old renamed, gone deleted, new made. */
const found: [string, Stats][] = [
  ['/w/d', stats(1, 4096, 2, true)],
  ['/w/d/a', stats(2, 1, 1)],
  ['/w/d/b', stats(3, 5, 2)],
  ['/w/f', stats(4, 4096, 1, true)],
  ['/w/f/x', stats(5, 1, 1)],
  ['/w/kept', stats(6, 1, 1)],
  ['/w/new-name', stats(8, 1, 1)],
  ['/w/new', stats(9, 1, 1)],
];
const expected = [
  'renamed /w/e -> /w/f',
  'renamed /w/old -> /w/new-name',
  'deleted /w/gone',
  'created /w/new',
  'written /w/d/b',
];
const names: Record<number, string> = { 1: 'written', 2: 'created', 4: 'deleted', 8: 'renamed' };
const summary = (events: Event[]) =>
  events.map((e) =>
    e.action === 8
      ? `renamed ${e.actorAttributes['oldPath']} -> ${e.actorId}`
      : `${names[e.action]} ${e.actorId}`,
  );

function compare(order: [string, Stats][], once = false) {
  const diff = new TreeDiff(saved, once);
  for (const [path, stat] of order) diff.found(path, stat);
  return diff.finish(roots, 0);
}

describe('TreeDiff', () => {
  it.each([
    ['an index of every saved path', false],
    ['the saved entries not found (one root: each path found once)', true],
  ])(
    'reports the same changes whichever order the scan finds the tree in, through %s',
    (_how, once) => {
      const shuffled = [5, 0, 7, 3, 2, 6, 1, 4].map((i) => found[i]) as [string, Stats][];
      for (const order of [found, [...found].reverse(), shuffled]) {
        const { events, snapshot } = compare(order, once);
        expect(summary(events)).toEqual(expected);
        expect(new Map(snapshot.entries())).toEqual(
          new Map(found.map(([path, stat]) => [path, entryOf(stat)])),
        );
      }
    },
  );

  it('falls back to the index when many paths are not where the scan expects them (one root)', () => {
    const many = Array.from(
      { length: 3000 },
      (_, i) => [`/w/m${i}`, entry(100 + i, 1, 1)] as const,
    );
    const base = SnapshotColumns.from(many);
    // Found backwards, one written and one new: every path a miss for the cursor.
    const order = [...many].reverse().map(([path, then], i): [string, Stats] => {
      const ino = Number(then.id.split(':')[1]);
      return [path, stats(ino, i === 10 ? 9 : 1, 1)];
    });
    order.splice(500, 0, ['/w/new', stats(99_999, 1, 1)]);
    for (const once of [false, true]) {
      const diff = new TreeDiff(base, once);
      for (const [path, stat] of order) diff.found(path, stat);
      expect(summary(diff.finish(roots, 0).events)).toEqual(['created /w/new', 'written /w/m2989']);
    }
  });

  it('counts a path found twice (overlapping roots) once', () => {
    const twice = [...found.slice(0, 3), ...found.slice(0, 3), ...found.slice(3), found[7]];
    expect(summary(compare(twice as [string, Stats][]).events)).toEqual(expected);
  });

  it('leaves the snapshot of the tree found: what it would save is exactly that', () => {
    const { snapshot } = compare(found);
    const now = new Map(found.map(([path, stat]) => [path, entryOf(stat)]));
    expect(new Map(snapshot.entries())).toEqual(now);
    const reread = SnapshotColumns.decode(snapshot.encode()) as SnapshotColumns;
    expect(
      new Map(Array.from({ length: reread.length }, (_, i) => [reread.path(i), reread.entry(i)])),
    ).toEqual(now);
  });

  it.each([false, true])(
    'saves the tree in the order the scan found it, new paths included (the next restart finds it in order; once: %s)',
    (once) => {
      const { snapshot } = compare(found, once);
      expect([...snapshot.entries()].map(([path]) => path)).toEqual(found.map(([path]) => path));
      const reread = SnapshotColumns.decode(snapshot.encode()) as SnapshotColumns;
      expect(Array.from({ length: reread.length }, (_, i) => reread.path(i))).toEqual(
        found.map(([path]) => path),
      );
    },
  );

  it.each([false, true])(
    'on a first start (nothing saved) names nothing and saves exactly the tree found, in its order (once: %s; else a path found twice once)',
    (once) => {
      const empty = SnapshotColumns.from([]);
      const diff = new TreeDiff(empty, once, true);
      const twice = once ? [] : [found[1]];
      const order = [...found.slice(0, 3), ...twice, ...found.slice(3)] as [string, Stats][];
      for (const [path, stat] of order) diff.found(path, stat);
      const { events, snapshot } = diff.finish(roots, 0);
      expect(events).toEqual([]);
      // Nothing kept beside the columns: a first start builds no object per entry.
      expect(snapshot.changes).toBe(once ? 0 : found.length);
      const reread = SnapshotColumns.decode(snapshot.encode()) as SnapshotColumns;
      expect(
        Array.from({ length: reread.length }, (_, i) => [reread.path(i), reread.entry(i)]),
      ).toEqual(found.map(([path, stat]) => [path, entryOf(stat)]));
    },
  );

  it('reports what a saved snapshot of an empty tree does not hold (a saved empty tree is not a first start)', () => {
    const diff = new TreeDiff(SnapshotColumns.from([]), true);
    diff.found('/w/new', stats(9, 1, 1));
    expect(summary(diff.finish(roots, 0).events)).toEqual(['created /w/new']);
  });

  it('reports nothing when the tree is as saved, and keeps no entry of its own for it', () => {
    const diff = new TreeDiff(saved);
    for (let i = 0; i < saved.length; i++) {
      const then = saved.entry(i);
      const [dev, ino, birth] = then.id.split(':').map(Number);
      diff.found(saved.path(i), {
        dev,
        ino,
        birthtimeMs: birth,
        size: then.size,
        mtimeMs: then.mtimeMs,
        isDirectory: () => then.dir,
      } as unknown as Stats);
    }
    const { events, snapshot } = diff.finish(roots, 0);
    expect(events).toEqual([]);
    expect(snapshot.changes).toBe(0);
  });
});

function entryOf(stat: Stats): SnapshotEntry {
  return {
    id: `${stat.dev}:${stat.ino}:${stat.birthtimeMs}`,
    size: stat.size,
    mtimeMs: stat.mtimeMs,
    dir: stat.isDirectory(),
  };
}
