import { isAbsolute } from 'node:path';
import type { DirListing } from './dir-listings.ts';
import type { SnapshotEntry } from './snapshot-columns.ts';

/**
 * What changed in a tree since its saved snapshot (its base): saved beside
 * it, so that a save while watching costs what changed, not the whole tree.
 */
export interface SnapshotChanges {
  /** Entries of the base that are gone, by index. */
  readonly removed: readonly number[];
  /** Paths changed or added since the base: their entry now, or null when gone. */
  readonly changed: readonly (readonly [string, SnapshotEntry | null])[];
  /** Where added paths go among the entries of the base (after this index; -1: first). */
  readonly after: readonly (readonly [string, number])[];
  /** Directories listed since the base was saved. */
  readonly listings: readonly (readonly [string, DirListing])[];
}

/** The checkpoint name the changes of snapshot `name` are kept under. */
export const changesName = (name: string): string => `${name}:changes`;

/**
 * What names a saved snapshot for the changes saved after it (a SHA-256 of
 * its text): the changes of another snapshot are left aside. (Its length and
 * last characters would not do: a change near the start of a tree often
 * leaves the end of its deflated text as it was.)
 */
export function snapshotFingerprint(text: string): string {
  // node:crypto when first needed, not at import (about 10 ms of the package's import).
  return process
    .getBuiltinModule('node:crypto')
    .createHash('sha256')
    .update(text)
    .digest('base64url');
}

const PREFIX = 'bwtc1:';
/**
 * The longest changes text read back: a save holds at most a few thousand
 * changes (see `changesLimit`), so a hostile or corrupt one is refused
 * before it is parsed.
 */
const MAX_CHANGES_CHARS = 64 * 1024 * 1024;

/** The text of changes since the snapshot of fingerprint `base`. */
export function encodeChanges(base: string, changes: SnapshotChanges): string {
  const changed = changes.changed.map(([path, entry]) =>
    entry === null ? [path] : [path, entry.id, entry.size, entry.mtimeMs, entry.dir ? 1 : 0],
  );
  const listings = changes.listings.map(([path, { ctimeMs, names }]) => [path, ctimeMs, names]);
  const { removed, after } = changes;
  return PREFIX + JSON.stringify({ base, removed, changed, after, listings });
}

/**
 * Reads changes back for a base of `entries` entries, fingerprint `base`:
 * `'stale'` when they belong to another snapshot, null when `text` is not
 * changes this writes (corrupt, hostile: every field is checked before it
 * is used).
 */
export function decodeChanges(
  text: string,
  base: string,
  entries: number,
): SnapshotChanges | 'stale' | null {
  if (!text.startsWith(PREFIX) || text.length > MAX_CHANGES_CHARS) return null;
  let data: unknown;
  try {
    data = JSON.parse(text.slice(PREFIX.length));
  } catch {
    return null;
  }
  const { base: of, removed, changed, after, listings } = (data ?? {}) as Record<string, unknown>;
  if (typeof of !== 'string') return null;
  if (of !== base) return 'stale';
  const index = (i: unknown): i is number => Number.isInteger(i) && (i as number) < entries;
  if (!isArray<number>(removed, (i) => index(i) && (i as number) >= 0)) return null;
  if (!isArray<Change>(changed, isChange) || !isArray<Listing>(listings, isListing)) return null;
  if (
    !isArray<[string, number]>(
      after,
      (a) => isTuple(a, 2) && isPath(a[0]) && index(a[1]) && a[1] >= -1,
    )
  ) {
    return null;
  }
  return {
    removed,
    changed: changed.map((change) =>
      change.length === 1
        ? [change[0], null]
        : [change[0], { id: change[1], size: change[2], mtimeMs: change[3], dir: change[4] === 1 }],
    ),
    after,
    listings: listings.map(([path, ctimeMs, names]) => [path, { ctimeMs, names }]),
  };
}

type Change = [string] | [string, string, number, number, 0 | 1];
type Listing = [string, number, number];

function isArray<T>(value: unknown, each: (item: unknown) => boolean): value is T[] {
  return Array.isArray(value) && value.every(each);
}

function isTuple(value: unknown, length: number): value is unknown[] {
  return Array.isArray(value) && value.length === length;
}

/** A path as a snapshot holds one: absolute, no NUL. */
function isPath(value: unknown): value is string {
  return typeof value === 'string' && isAbsolute(value) && !value.includes('\0');
}

const isNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

/** An identity as `fileIdentity` writes it (device, inode, birth time), or '' (none). */
function isIdentity(value: unknown): value is string {
  if (value === '') return true;
  const parts = typeof value === 'string' ? value.split(':') : [];
  return parts.length === 3 && parts.every((part) => part !== '' && isNumber(Number(part)));
}

function isChange(value: unknown): value is Change {
  if (isTuple(value, 1)) return isPath(value[0]);
  if (!isTuple(value, 5)) return false;
  const [path, id, size, mtimeMs, dir] = value;
  return (
    isPath(path) &&
    isIdentity(id) &&
    isNumber(size) &&
    isNumber(mtimeMs) &&
    (dir === 0 || dir === 1)
  );
}

function isListing(value: unknown): value is Listing {
  if (!isTuple(value, 3)) return false;
  const [path, ctimeMs, names] = value;
  return isPath(path) && isNumber(ctimeMs) && Number.isInteger(names) && (names as number) >= 1;
}
