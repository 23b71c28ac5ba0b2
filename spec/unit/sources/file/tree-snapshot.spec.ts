// What a restarted file source reports from two tree snapshots (pure: no disk).
import { describe, expect, it } from 'vitest';
import { Action } from '../../../../lib/events/action.ts';
import type { Event } from '../../../../lib/events/event.ts';
import type { SnapshotEntry } from '../../../../lib/sources/file/snapshot-columns.ts';
import { diffSnapshots } from '../../../../lib/sources/file/tree-diff.ts';
import {
  parseSnapshot,
  serializeSnapshot,
  type TreeSnapshot,
} from '../../../../lib/sources/file/tree-snapshot.ts';
import type { WatchRoot } from '../../../../lib/sources/file/watch-roots.ts';

const root: WatchRoot = { dir: '/w', files: null, covered: -1 };
const file = (ino: number, size = 1, mtimeMs = 1): SnapshotEntry => ({
  id: `1:${ino}:0`,
  size,
  mtimeMs,
  dir: false,
});
const dir = (ino: number, mtimeMs = 1): SnapshotEntry => ({
  id: `1:${ino}:0`,
  size: 4096,
  mtimeMs,
  dir: true,
});
const tree = (entries: Record<string, SnapshotEntry>): TreeSnapshot =>
  new Map(Object.entries(entries));
const summary = (events: Event[]) =>
  events.map((e) => {
    const name = { 1: 'written', 2: 'created', 4: 'deleted', 8: 'renamed' }[
      e.action as 1 | 2 | 4 | 8
    ];
    return e.oldName === undefined
      ? `${name} ${e.actorName}`
      : `${name} ${e.oldName} -> ${e.actorName}`;
  });

describe('diffSnapshots', () => {
  it('reports created, written, deleted and renamed entries, in that documented order', () => {
    const before = tree({
      '/w/keep': file(1),
      '/w/edit': file(2, 1, 1),
      '/w/gone': file(3),
      '/w/old': file(4),
      '/w/d': dir(5),
    });
    const after = tree({
      '/w/keep': file(1),
      '/w/edit': file(2, 9, 2),
      '/w/new': file(6),
      '/w/renamed': file(4),
      '/w/d': dir(5, 99), // a directory's mtime moves with its entries: not a change of its own
      '/w/d/inner': file(7),
    });
    expect(summary(diffSnapshots(before, after, [root], 5))).toEqual([
      'renamed old -> renamed',
      'deleted gone',
      'created d/inner',
      'created new',
      'written edit',
    ]);
  });

  it('names events as the watcher does: actorId the absolute path, attributes path, root, kind, oldPath', () => {
    const [renamed] = diffSnapshots(
      tree({ '/w/a': file(1) }),
      tree({ '/w/b': file(1) }),
      [root],
      7,
    );
    expect(renamed).toEqual({
      type: 'file',
      actorName: 'b',
      actorId: '/w/b',
      actorAttributes: { path: '/w/b', root: '/w', kind: 'file', oldPath: '/w/a' },
      action: Action.FileRenamed,
      time: 7,
      oldName: 'a',
    });
  });

  it('reports a renamed directory once, not each entry that moved with it; a moved entry changed meanwhile is written', () => {
    const before = tree({ '/w/d': dir(1), '/w/d/x': file(2), '/w/d/y': file(3, 1, 1) });
    const after = tree({ '/w/e': dir(1), '/w/e/x': file(2), '/w/e/y': file(3, 5, 2) });
    expect(summary(diffSnapshots(before, after, [root], 0))).toEqual([
      'renamed d -> e',
      'written e/y',
    ]);
  });

  it('reports a deleted directory deepest first, a created one parents first', () => {
    const before = tree({ '/w/d': dir(1), '/w/d/x': file(2) });
    const after = tree({ '/w/n': dir(3), '/w/n/y': file(4) });
    expect(summary(diffSnapshots(before, after, [root], 0))).toEqual([
      'deleted d/x',
      'deleted d',
      'created n',
      'created n/y',
    ]);
  });

  it('reports a file replaced by an atomic save (new identity, same name) as written', () => {
    expect(
      summary(diffSnapshots(tree({ '/w/f': file(1) }), tree({ '/w/f': file(2) }), [root], 0)),
    ).toEqual(['written f']);
  });

  it('does not take an entry without an identity (no inode) for a rename', () => {
    const noId: SnapshotEntry = { id: '', size: 1, mtimeMs: 1, dir: false };
    expect(
      summary(diffSnapshots(tree({ '/w/a': noId }), tree({ '/w/b': noId }), [root], 0)),
    ).toEqual(['deleted a', 'created b']);
  });

  it('reports nothing for identical trees', () => {
    const same = tree({ '/w/a': file(1), '/w/d': dir(2) });
    expect(diffSnapshots(same, new Map(same), [root], 0)).toEqual([]);
  });

  it('names a single-file root event after the file, relative to its directory', () => {
    const single: WatchRoot = {
      dir: '/etc/app',
      files: new Set(['/etc/app/app.yaml']),
      covered: -1,
    };
    const events = diffSnapshots(
      tree({ '/etc/app/app.yaml': file(1, 1, 1) }),
      tree({ '/etc/app/app.yaml': file(1, 2, 2) }),
      [single],
      0,
    );
    expect(events.map((e) => [e.actorName, e.actorAttributes['root']])).toEqual([
      ['app.yaml', '/etc/app'],
    ]);
  });
});

describe('serializeSnapshot / parseSnapshot', () => {
  it('round-trips a snapshot, and refuses what is not one', () => {
    const snapshot = tree({ '/w/a': file(1, 2, 3.5), '/w/d': dir(9) });
    expect(parseSnapshot(serializeSnapshot(snapshot))).toEqual(snapshot);
    expect(parseSnapshot('not base64 deflate')).toBeNull();
    expect(parseSnapshot('')).toBeNull();
  });
});
