import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { relative, sep } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { Action } from '../../events/action.ts';
import { createEvent, type Event, EventType } from '../../events/event.ts';
import { fileIdentity } from '../../local-watcher/file-identity.ts';
import type { IgnoreMatcher } from '../../local-watcher/ignore-matcher.ts';
import type { WatchRoot } from './watch-roots.ts';

/** What a snapshot keeps of one path: identity, size, modification time, kind. */
export interface SnapshotEntry {
  /** Device, inode and birth time (see file-identity.ts): a rename keeps it, a new file does not. */
  readonly id: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly dir: boolean;
}

/** A compact picture of the watched trees: absolute path -> entry. */
export type TreeSnapshot = Map<string, SnapshotEntry>;

const FORMAT = 1;

/** The entry for `stats`. */
export function snapshotEntry(stats: Stats): SnapshotEntry {
  const id = fileIdentity(stats) ?? '';
  return { id, size: stats.size, mtimeMs: stats.mtimeMs, dir: stats.isDirectory() };
}

/** The entry for `path` now, or null when it is gone. */
export function statEntry(path: string): SnapshotEntry | null {
  try {
    return snapshotEntry(lstatSync(path));
  } catch {
    return null;
  }
}

/**
 * Walks the roots as the file source reports them (single files only, the
 * `depth` limit, the `ignored` matcher, the levels an enclosing root already
 * reports left out) and records every entry, the roots' own directories
 * excluded. Entries that vanish during the walk are skipped.
 */
export async function takeSnapshot(
  roots: readonly WatchRoot[],
  depth: number,
  ignore: IgnoreMatcher,
): Promise<TreeSnapshot> {
  const snapshot: TreeSnapshot = new Map();
  // Synchronous calls: an awaited lstat per entry costs ten times as much on a large tree.
  const add = (path: string): SnapshotEntry | null => {
    if (ignore.byPath(path)) return null;
    let stats: Stats;
    try {
      stats = lstatSync(path);
    } catch {
      return null;
    }
    if (ignore.byStats(path, stats)) return null;
    const entry = snapshotEntry(stats);
    snapshot.set(path, entry);
    return entry;
  };
  for (const root of roots) {
    if (root.files !== null) {
      for (const file of root.files) add(file);
      continue;
    }
    const walk = (dir: string, level: number): void => {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        return;
      }
      for (const name of names) {
        const path = dir + sep + name;
        const entry = level > root.covered ? add(path) : statEntry(path);
        if (entry?.dir && level < depth) walk(path, level + 1);
      }
    };
    walk(root.dir, 1);
    // Let the event loop breathe between roots.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return snapshot;
}

/**
 * The events that turn `before` into `after`, as the file source names them
 * (see root-watcher.ts): a path that vanished and one that appeared with the
 * same identity (device, inode, birth time) is a FileRenamed (a directory's entries moved with it are
 * not reported again); gone is FileDeleted, new is FileCreated; a file whose
 * size, modification time or identity changed is FileWritten (an atomic save
 * replaces the file). Order: renames, deletions (deepest first), creations
 * (parents first), writes.
 */
export function diffSnapshots(
  before: TreeSnapshot,
  after: TreeSnapshot,
  roots: readonly WatchRoot[],
  time: number,
): Event[] {
  // One pass over `after` finds what is new and what was written; `before` is read again only
  // when some of its paths are gone (a restart usually finds most of the tree as it was).
  const added: string[] = [];
  const written: string[] = [];
  let kept = 0;
  for (const [path, now] of after) {
    const then = before.get(path);
    if (then === undefined) {
      added.push(path);
      continue;
    }
    kept++;
    if (now.dir || then.dir) continue;
    if (then.id !== now.id || then.size !== now.size || then.mtimeMs !== now.mtimeMs) {
      written.push(path);
    }
  }
  const gone: string[] = [];
  if (kept < before.size) for (const path of before.keys()) if (!after.has(path)) gone.push(path);
  const addedByIno = new Map<string, string>();
  for (const path of added) {
    const entry = after.get(path) as SnapshotEntry;
    if (entry.id !== '') addedByIno.set(`${entry.id}:${entry.dir}`, path);
  }
  const renamedTo = new Map<string, string>();
  for (const path of gone) {
    const entry = before.get(path) as SnapshotEntry;
    const target = entry.id === '' ? undefined : addedByIno.get(`${entry.id}:${entry.dir}`);
    if (target !== undefined) {
      renamedTo.set(path, target);
      addedByIno.delete(`${entry.id}:${entry.dir}`);
    }
  }
  // An entry that moved with its renamed directory is told by the directory's rename.
  const movedDirs = [...renamedTo].filter(([from]) => (before.get(from) as SnapshotEntry).dir);
  const movedWith = (from: string, to: string): boolean =>
    movedDirs.some(
      ([dirFrom, dirTo]) =>
        from.startsWith(dirFrom + sep) && to === dirTo + from.slice(dirFrom.length),
    );
  const renamedTargets = new Set(renamedTo.values());
  const events: Event[] = [];
  for (const [from, to] of [...renamedTo].sort(([a], [b]) => compare(a, b))) {
    if (movedWith(from, to)) continue;
    events.push(
      fileEvent(roots, Action.FileRenamed, to, after.get(to) as SnapshotEntry, time, from),
    );
  }
  const deleted = gone.filter((path) => !renamedTo.has(path)).sort((a, b) => compare(b, a));
  for (const path of deleted) {
    events.push(
      fileEvent(roots, Action.FileDeleted, path, before.get(path) as SnapshotEntry, time),
    );
  }
  const created = added.filter((path) => !renamedTargets.has(path)).sort(compare);
  for (const path of created) {
    events.push(fileEvent(roots, Action.FileCreated, path, after.get(path) as SnapshotEntry, time));
  }
  // A renamed file written afterwards: compare it with what it was under its old name.
  for (const [from, to] of renamedTo) {
    const then = before.get(from) as SnapshotEntry;
    const now = after.get(to) as SnapshotEntry;
    if (!now.dir && (then.size !== now.size || then.mtimeMs !== now.mtimeMs)) written.push(to);
  }
  for (const path of written.sort(compare)) {
    events.push(fileEvent(roots, Action.FileWritten, path, after.get(path) as SnapshotEntry, time));
  }
  return events;
}

/** The snapshot as checkpoint text: versioned, deflated, base64. */
export function serializeSnapshot(snapshot: TreeSnapshot): string {
  const rows: unknown[] = [];
  for (const [path, { id, size, mtimeMs, dir }] of snapshot) {
    rows.push([path, id, size, mtimeMs, dir ? 1 : 0]);
  }
  return deflateRawSync(JSON.stringify([FORMAT, rows]), { level: 1 }).toString('base64');
}

/** A snapshot read back, or null when `text` is not one (the caller then cannot tell what changed). */
export function parseSnapshot(text: string): TreeSnapshot | null {
  try {
    const [format, rows] = JSON.parse(inflateRawSync(Buffer.from(text, 'base64')).toString()) as [
      unknown,
      [string, string, number, number, number][],
    ];
    if (format !== FORMAT || !Array.isArray(rows)) return null;
    const snapshot: TreeSnapshot = new Map();
    for (const [path, id, size, mtimeMs, dir] of rows) {
      snapshot.set(path, { id, size, mtimeMs, dir: dir === 1 });
    }
    return snapshot;
  } catch {
    return null;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The root that names `path`: the outermost directory root containing it, or its single-file root. */
function rootOf(roots: readonly WatchRoot[], path: string): WatchRoot | undefined {
  return (
    roots.find((root) => root.files?.has(path) === true) ??
    roots
      .filter((root) => root.files === null && path.startsWith(root.dir + sep))
      .sort((a, b) => a.dir.length - b.dir.length)[0]
  );
}

function fileEvent(
  roots: readonly WatchRoot[],
  action: Action,
  path: string,
  entry: SnapshotEntry,
  time: number,
  oldPath?: string,
): Event {
  const root = rootOf(roots, path) ?? rootOf(roots, oldPath ?? path);
  const dir = root?.dir ?? '';
  const attributes: Record<string, string> = {
    path,
    root: dir,
    kind: entry.dir ? 'directory' : 'file',
  };
  if (oldPath !== undefined) attributes['oldPath'] = oldPath;
  return createEvent({
    type: EventType.File,
    actorName: relative(dir, path) || '.',
    actorId: path,
    actorAttributes: Object.freeze(attributes),
    action,
    time,
    ...(oldPath === undefined ? {} : { oldName: relative(dir, oldPath) }),
  });
}
