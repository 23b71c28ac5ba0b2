// The running source's snapshot: saved columns plus the changes since. Entries set, deleted and
// deleted with everything below them read and save as a map would; many changes are folded into
// the columns without changing what is saved.
import { describe, expect, it } from 'vitest';
import { LiveSnapshot } from '../../../../lib/sources/file/live-snapshot.ts';
import {
  SnapshotColumns,
  type SnapshotEntry,
} from '../../../../lib/sources/file/snapshot-columns.ts';

const file = (ino: number, size = 1): SnapshotEntry => ({
  id: `1:${ino}:0`,
  size,
  mtimeMs: 1,
  dir: false,
});
const dir = (ino: number): SnapshotEntry => ({
  id: `1:${ino}:0`,
  size: 4096,
  mtimeMs: 1,
  dir: true,
});

const base: [string, SnapshotEntry][] = [
  ['/w/d', dir(1)],
  ['/w/d/a', file(2)],
  ['/w/d/sub', dir(3)],
  ['/w/d/sub/b', file(4)],
  ['/w/dd', file(5)], // a neighbour whose name starts like the directory's
  ['/w/e', file(6)],
];

/** The live snapshot and a map it must always equal. */
function pair() {
  const removed = new Uint8Array(base.length);
  return { live: new LiveSnapshot(SnapshotColumns.from(base), removed, []), map: new Map(base) };
}
const saved = (live: LiveSnapshot) => {
  const columns = SnapshotColumns.decode(live.encode()) as SnapshotColumns;
  return new Map(
    Array.from({ length: columns.length }, (_, i) => [columns.path(i), columns.entry(i)]),
  );
};

describe('LiveSnapshot', () => {
  it('reads, saves and iterates as a map would through sets, deletes and deleted trees', () => {
    const { live, map } = pair();
    const steps: [string, (target: LiveSnapshot | Map<string, SnapshotEntry>) => void][] = [
      ['write e', (s) => s.set('/w/e', file(6, 9))],
      ['create n', (s) => s.set('/w/n', file(7))],
      ['delete a', (s) => s.delete('/w/d/a')],
      ['create a again', (s) => s.set('/w/d/a', file(8))],
      ['delete n', (s) => s.delete('/w/n')],
    ];
    for (const [, step] of steps) {
      step(live);
      step(map);
      expect(new Map(live.entries())).toEqual(map);
      expect(saved(live)).toEqual(map);
    }
    for (const path of ['/w/e', '/w/d/a', '/w/n', '/w/none'])
      expect(live.get(path)).toEqual(map.get(path));
    live.deleteTree('/w/d');
    for (const key of [...map.keys()])
      if (key === '/w/d' || key.startsWith('/w/d/')) map.delete(key);
    expect(new Map(live.entries())).toEqual(map);
    expect(saved(live)).toEqual(map);
    expect(live.get('/w/dd')).toEqual(file(5));
  });

  it('deletes a directory added since, with what was added below it', () => {
    const { live } = pair();
    live.set('/w/new', dir(10));
    live.set('/w/new/x', file(11));
    live.deleteTree('/w/new');
    expect(new Map(live.entries())).toEqual(new Map(base));
  });

  it('folds its changes into its columns when asked: what it saves stays the same', () => {
    const { live, map } = pair();
    for (let i = 0; i < 3000; i++) {
      live.set(`/w/many/${i}`, file(100 + i));
      map.set(`/w/many/${i}`, file(100 + i));
    }
    expect(live.changes).toBe(3000);
    expect(saved(live)).toEqual(map);
    expect(live.changes).toBe(3000);
    live.encode(true);
    expect(live.changes).toBe(0);
    expect(saved(live)).toEqual(map);
    live.delete('/w/many/7');
    map.delete('/w/many/7');
    expect(saved(live)).toEqual(map);
    expect(live.get('/w/many/8')).toEqual(file(108));
  });

  it('gives what changed since its columns, from which the same snapshot is made again', () => {
    // As a restart makes it: entries of the saved columns gone, some changed, some added where the
    // scan found them, a directory listed.
    const columns = SnapshotColumns.from(base);
    const removed = new Uint8Array(base.length);
    removed[1] = 1; // /w/d/a
    const live = new LiveSnapshot(
      columns,
      removed,
      [
        ['/w/e', file(6, 9)],
        ['/w/d/sub/c', file(20)],
      ],
      new Map([['/w/d/sub/c', 3]]),
      new Map([['/w/d/sub', { ctimeMs: 5, names: 2 }]]),
    );
    live.set('/w/late', file(21));
    live.delete('/w/dd');
    expect(live.pending).toBe(6); // 1 removed, 4 changed or added, 1 listed
    const again = LiveSnapshot.of(columns, live.changesSince());
    expect([...again.entries()]).toEqual([...live.entries()]);
    expect(again.encode()).toBe(live.encode());
    // The listing holds (two names, one after the other): it is saved with the snapshot.
    const made = again.columns();
    // In the order of entries(): the base's order, each added entry after the one it was found after.
    const order = Array.from({ length: made.length }, (_, i) => made.path(i));
    expect(order).toEqual([...live.entries()].map(([path]) => path));
    expect(order).toEqual(['/w/d', '/w/d/sub', '/w/d/sub/b', '/w/d/sub/c', '/w/e', '/w/late']);
    expect(made.listings.of(made.indexOf('/w/d/sub'))).toEqual({ first: 2, names: 2, ctimeMs: 5 });
    // Folded: nothing changed since.
    live.encode(true);
    expect(live.pending).toBe(0);
    expect(live.changesSince()).toEqual({ removed: [], changed: [], after: [], listings: [] });
    expect([...live.entries()]).toEqual([...again.entries()]);
  });
});
