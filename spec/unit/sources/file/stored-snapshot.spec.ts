// A tree snapshot kept in a checkpoint store: while watching, a save writes the changes since the
// whole snapshot saved last (its cost is what changed, not the tree), the whole one again when they
// grow and on close. What a restart reads back is the tree as the source last saw it; changes that
// belong to another snapshot, or cannot be read, are left aside (then changes are reported again,
// none missed). The changes are read as untrusted input.
import { describe, expect, it } from 'vitest';
import type { CheckpointStore } from '../../../../lib/journal/checkpoint-store.ts';
import { LiveSnapshot } from '../../../../lib/sources/file/live-snapshot.ts';
import {
  decodeChanges,
  encodeChanges,
  type SnapshotChanges,
  snapshotFingerprint,
} from '../../../../lib/sources/file/snapshot-changes.ts';
import {
  SnapshotColumns,
  type SnapshotEntry,
} from '../../../../lib/sources/file/snapshot-columns.ts';
import { StoredSnapshot } from '../../../../lib/sources/file/stored-snapshot.ts';
import { serializeSnapshot, snapshotOf } from '../../../../lib/sources/file/tree-snapshot.ts';

const serialize = (entries: [string, SnapshotEntry][]) => serializeSnapshot(new Map(entries));

const file = (ino: number, size = 1): SnapshotEntry => ({
  id: `1:${ino}:${ino}.5`,
  size,
  mtimeMs: 1000.25,
  dir: false,
});
const dir = (ino: number): SnapshotEntry => ({
  id: `1:${ino}:0`,
  size: 4096,
  mtimeMs: 1,
  dir: true,
});

/** A tree of `dirs` directories of 10 files each. */
function tree(dirs: number): [string, SnapshotEntry][] {
  const entries: [string, SnapshotEntry][] = [];
  for (let d = 0; d < dirs; d++) {
    entries.push([`/w/d${d}`, dir(1000 * d + 1)]);
    for (let f = 0; f < 10; f++) entries.push([`/w/d${d}/f${f}`, file(1000 * d + 2 + f)]);
  }
  return entries;
}

function memoryStore() {
  const values = new Map<string, string>();
  const writes: [string, number][] = [];
  const store = {
    values,
    writes,
    checkpoint: (name: string) => values.get(name),
    setCheckpoint: (name: string, value: string) => {
      values.set(name, value);
      writes.push([name, value.length]);
    },
  };
  return store;
}

const byPath = (columns: SnapshotColumns | null | undefined) =>
  columns ? snapshotOf(columns) : new Map();
const readBack = (store: CheckpointStore) => byPath(new StoredSnapshot(store, 'files').read());

/** `store` with `before` called ahead of each write: when it throws, the write is not made. */
const guarded = (store: CheckpointStore, before: (name: string, value: string) => void) => ({
  checkpoint: (name: string) => store.checkpoint(name),
  setCheckpoint: (name: string, value: string) => {
    before(name, value);
    store.setCheckpoint(name, value);
  },
});

/** A source's first start on `entries`: its live snapshot, stored (saved whole once). */
function started(store: CheckpointStore, entries: [string, SnapshotEntry][]) {
  const stored = new StoredSnapshot(store, 'files');
  const columns = SnapshotColumns.from(entries);
  const live = new LiveSnapshot(columns, new Uint8Array(columns.length), []);
  stored.save(live, false);
  return { stored, live, expected: new Map(entries) };
}

describe('StoredSnapshot', () => {
  it('saves only the changes while they are few: a restart reads the tree as it was last saved', () => {
    const store = memoryStore();
    const { stored, live, expected } = started(store, tree(1000));
    const whole = store.values.get('files') as string;
    expect(store.writes).toEqual([['files', whole.length]]);
    const steps: [string, SnapshotEntry | null][] = [
      ['/w/d5/f1', file(5002, 99)], // written
      ['/w/d7/new', file(99_999)], // created
      ['/w/d9/f3', null], // deleted
    ];
    for (const [path, entry] of steps) {
      if (entry === null) {
        live.delete(path);
        expected.delete(path);
      } else {
        live.set(path, entry);
        expected.set(path, entry);
      }
      stored.save(live, false);
      expect(store.values.get('files')).toBe(whole);
      expect(readBack(store)).toEqual(expected);
    }
    // Each save wrote the changes, far smaller than the tree.
    for (const [name, length] of store.writes.slice(1)) {
      expect(name).toBe('files:changes');
      expect(length).toBeLessThan(400);
    }
    expect(whole.length).toBeGreaterThan(10_000);
    // Closed: the whole snapshot again, nothing beside it.
    stored.save(live, true);
    expect(store.values.get('files')).not.toBe(whole);
    expect(store.values.get('files:changes')).toBe('');
    expect(readBack(store)).toEqual(expected);
  });

  it('saves the whole snapshot again once the changes outgrow the square root of twice its size', () => {
    const store = memoryStore();
    const { stored, live, expected } = started(store, tree(100)); // 1,100 entries: limit 64
    for (let i = 0; i < 64; i++) {
      live.set(`/w/d1/n${i}`, file(50_000 + i));
      expected.set(`/w/d1/n${i}`, file(50_000 + i));
    }
    stored.save(live, false);
    expect(store.writes.map(([name]) => name)).toEqual(['files', 'files:changes']);
    live.set('/w/d1/one-more', file(60_000));
    expected.set('/w/d1/one-more', file(60_000));
    stored.save(live, false);
    // The changes cleared first, then the whole snapshot (see the crash case below).
    expect(store.writes.map(([name]) => name)).toEqual([
      'files',
      'files:changes',
      'files:changes',
      'files',
    ]);
    expect(store.values.get('files:changes')).toBe('');
    expect(live.pending).toBe(0);
    expect(readBack(store)).toEqual(expected);
    // The next change is saved beside the new whole snapshot.
    live.delete('/w/d2/f0');
    expected.delete('/w/d2/f0');
    stored.save(live, false);
    expect(store.writes.at(-1)?.[0]).toBe('files:changes');
    expect(readBack(store)).toEqual(expected);
  });

  it('after a restart that applied changes, saves the whole snapshot first, then changes beside it again', () => {
    const store = memoryStore();
    const { stored, live, expected } = started(store, tree(10));
    // As a restart makes the live snapshot: entries of the base gone, changed, added after one.
    live.delete('/w/d3/f4');
    expected.delete('/w/d3/f4');
    live.set('/w/d2/f2', file(8, 600));
    expected.set('/w/d2/f2', file(8, 600));
    live.set('/w/d5/new', file(9));
    expected.set('/w/d5/new', file(9));
    stored.save(live, false);
    // Killed here: the next start reads the snapshot with these changes applied.
    const restarted = new StoredSnapshot(store, 'files');
    const columns = restarted.read() as SnapshotColumns;
    expect(byPath(columns)).toEqual(expected);
    const after = new LiveSnapshot(columns, new Uint8Array(columns.length), []);
    const writes = store.writes.length;
    after.set('/w/d1/f1', file(10, 700));
    expected.set('/w/d1/f1', file(10, 700));
    restarted.save(after, false);
    // Whole (the columns it read are not the ones saved), the changes read cleared first.
    expect(store.writes.slice(writes).map(([name]) => name)).toEqual(['files:changes', 'files']);
    expect(store.values.get('files:changes')).toBe('');
    expect(readBack(store)).toEqual(expected);
    after.delete('/w/d1/f1');
    expected.delete('/w/d1/f1');
    restarted.save(after, false);
    expect(store.writes.at(-1)?.[0]).toBe('files:changes');
    expect(readBack(store)).toEqual(expected);
  });

  it('clears the changes before it saves the whole snapshot: killed between the two writes, the snapshot before is read alone', () => {
    const store = memoryStore();
    // A store that commits each write on its own; killed (from here on, nothing is written) after
    // the first write of a whole save.
    let killed = false;
    const fragile = guarded(store, (_name, value) => {
      if (killed) throw new Error('killed');
      killed = value === '';
    });
    const { stored, live } = started(fragile, tree(10));
    const before = readBack(store);
    live.set('/w/d1/f1', file(7, 500));
    stored.save(live, false);
    live.set('/w/d1/f1', file(7, 600));
    expect(() => stored.save(live, true)).toThrow('killed');
    // Older than what was delivered (500, then 600): compared with it, the change is reported again.
    const restarted = new StoredSnapshot(store, 'files');
    expect(byPath(restarted.read())).toEqual(before);
    expect(restarted.leftAside).toBeNull();
  });

  it('saves the whole snapshot again after a whole save that failed, never changes against it', () => {
    const store = memoryStore();
    let fail = false;
    const flaky = guarded(store, (name) => {
      if (fail && name === 'files') throw new Error('the store is full');
    });
    const { stored, live, expected } = started(flaky, tree(10));
    live.set('/w/d1/f1', file(7, 500));
    expected.set('/w/d1/f1', file(7, 500));
    stored.save(live, false);
    fail = true;
    expect(() => stored.save(live, true)).toThrow('the store is full');
    fail = false;
    live.set('/w/d2/f2', file(8, 600));
    expected.set('/w/d2/f2', file(8, 600));
    const writes = store.writes.length;
    stored.save(live, false);
    // Whole: the live snapshot was folded into columns that were not saved.
    expect(store.writes.slice(writes).map(([name]) => name)).toEqual(['files']);
    expect(readBack(store)).toEqual(expected);
  });

  it('leaves aside changes saved for another snapshot: a crash after the whole one, before its changes were cleared', () => {
    const store = memoryStore();
    const { stored, live } = started(store, tree(10));
    live.set('/w/d1/f1', file(7, 500));
    stored.save(live, false);
    const changesBefore = store.values.get('files:changes');
    // The whole snapshot is written, then the process dies before the changes are cleared.
    live.set('/w/d2/f2', file(8, 600));
    const whole = live.encode(true);
    store.values.set('files', whole);
    const restarted = new StoredSnapshot(store, 'files');
    const read = byPath(restarted.read());
    expect(store.values.get('files:changes')).toBe(changesBefore);
    expect(restarted.leftAside).toMatch(/another snapshot/);
    expect(read.get('/w/d1/f1')).toEqual(file(7, 500));
    expect(read.get('/w/d2/f2')).toEqual(file(8, 600));
    // Its first save clears them.
    restarted.save(
      LiveSnapshot.of(SnapshotColumns.decode(whole) as SnapshotColumns, none()),
      false,
    );
    expect(store.values.get('files:changes')).toBe('');
  });

  it('leaves aside changes it cannot read, and reads the whole snapshot saved before them', () => {
    const store = memoryStore();
    const { expected } = started(store, tree(10));
    for (const garbage of ['bwtc1:{', 'bwtc1:null', 'not changes', `bwtc1:${'['.repeat(10_000)}`]) {
      store.values.set('files:changes', garbage);
      const restarted = new StoredSnapshot(store, 'files');
      expect(byPath(restarted.read())).toEqual(expected);
      expect(restarted.leftAside).not.toBeNull();
    }
  });
});

const none = (): SnapshotChanges => ({ removed: [], changed: [], after: [], listings: [] });

describe('snapshot fingerprints', () => {
  it('tell apart snapshots whose deflated texts end alike (a change near the start of the tree)', () => {
    // 20,000 files of varied sizes and times (a fixed sequence).
    let seed = 1;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const entries: [string, SnapshotEntry][] = Array.from({ length: 20_000 }, (_, i) => [
      `/data/d${Math.floor(i / 20)}/file-${i}.txt`,
      {
        id: `2049:${1000 + i}:${i}`,
        size: Math.floor(next() * 1e5),
        mtimeMs: 1.7e12 + Math.floor(next() * 1e9),
        dir: false,
      },
    ]);
    const first = serialize(entries);
    // One of the first files one byte longer: the snapshot often has the same length and last
    // characters (a length and a tail could not tell them apart).
    const alike = Array.from({ length: 12 }, (_, k) => {
      const changed = entries.slice();
      const [path, entry] = changed[k + 1] as [string, SnapshotEntry];
      changed[k + 1] = [path, { ...entry, size: entry.size + 1 }];
      return serialize(changed);
    }).filter((text) => text.length === first.length && text.slice(-32) === first.slice(-32));
    expect(alike.length).toBeGreaterThan(0);
    for (const text of alike)
      expect(snapshotFingerprint(text)).not.toBe(snapshotFingerprint(first));
  });
});

describe('snapshot changes, as text', () => {
  const base = snapshotFingerprint('bwts2:123:abcdef');
  const changes: SnapshotChanges = {
    removed: [0, 3],
    changed: [
      ['/w/a', file(1, 7)],
      ['/w/gone', null],
      ['/w/ünïcödé\n', { id: '', size: 0, mtimeMs: -1.5, dir: true }],
    ],
    after: [['/w/a', -1]],
    listings: [['/w/ünïcödé\n', { ctimeMs: 12.5, names: 3 }]],
  };

  it('round-trip exactly, for the snapshot they were saved beside only', () => {
    const text = encodeChanges(base, changes);
    expect(decodeChanges(text, base, 4)).toEqual(changes);
    expect(decodeChanges(text, snapshotFingerprint('bwts2:123:abcdeg'), 4)).toBe('stale');
  });

  it('refuses what this does not write, field by field', () => {
    const text = (patch: Record<string, unknown>) =>
      `bwtc1:${JSON.stringify({ ...JSON.parse(encodeChanges(base, changes).slice(6)), ...patch })}`;
    const refused: Record<string, unknown>[] = [
      { removed: [4] }, // past the snapshot's entries
      { removed: [-1] },
      { removed: [1.5] },
      { removed: 'all' },
      { changed: [['']] }, // an empty path
      { changed: [['w/a']] }, // a relative one
      { changed: [['../a']] },
      { changed: [['/w/a\0b']] }, // a NUL
      { changed: [['/w/a', '1:2', 1, 1, 0]] }, // an identity of two numbers
      { changed: [['/w/a', '1:x:3', 1, 1, 0]] },
      { changed: [['/w/a', '1:2:3', 'big', 1, 0]] },
      { changed: [['/w/a', '1:2:3', 1, null, 0]] },
      { changed: [['/w/a', '1:2:3', 1, 1, 2]] },
      { changed: [['/w/a', '1:2:3', 1, 1]] },
      { after: [['/w/a', 4]] },
      { after: [['/w/a', -2]] },
      { listings: [['/w/a', 1, 0]] }, // no names
      { listings: [['/w/a', 1, 2.5]] },
      { listings: [['/w/a', 1]] },
    ];
    expect(decodeChanges(text({}), base, 4)).toEqual(changes);
    for (const patch of refused)
      expect(decodeChanges(text(patch), base, 4), JSON.stringify(patch)).toBeNull();
    expect(decodeChanges('bwtc1:[]', base, 4)).toBeNull();
    expect(decodeChanges('', base, 4)).toBeNull();
  });
});
