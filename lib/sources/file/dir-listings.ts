import { statfsSync } from 'node:fs';
import { sep } from 'node:path';
import type { SnapshotColumns } from './snapshot-columns.ts';

/**
 * What a snapshot vouches for a directory's names: the directory's change
 * time (ctime) when it was read, and how many names it held then.
 *
 * Creating, removing or renaming an entry sets a directory's ctime to the
 * time of that change, and nothing sets a ctime back (`utimes` sets it to
 * now, unlike the mtime that `tar` or `rsync -t` restore). So a directory
 * whose ctime is the one saved has the names it had when it was read, and a
 * restart takes them from the snapshot instead of reading the directory (it
 * still `lstat`s every entry: a write does not change its directory). One
 * caveat: the kernel stamps times from a clock that moves in ticks (a few
 * ms), so a change in the same tick as the one the ctime shows would leave
 * it as it was. A listing is therefore only kept when the ctime was
 * {@link SETTLED_MS} in the past when the directory was read (see
 * {@link settled}): any later change has a later time.
 */
export interface DirListing {
  readonly ctimeMs: number;
  /** How many names the directory held (ignored ones included: then it is not vouched for). */
  readonly names: number;
}

/** How far in the past a directory's ctime must be, when it is read, for its listing to be kept. */
export const SETTLED_MS = 1000;

/** Whether a directory read now, with change time `ctimeMs`, can be vouched for later. */
export function settled(ctimeMs: number, now = Date.now()): boolean {
  return ctimeMs < now - SETTLED_MS;
}

/**
 * Filesystems (Linux `statfs` magic numbers) that set a directory's ctime on
 * every change of its entries, from the kernel's clock, in ticks well under
 * a second: ext2/3/4, XFS, Btrfs, tmpfs, ZFS, F2FS, overlayfs. Not vfat or
 * exFAT (their "ctime" is the mtime, which `touch -d` sets back, in 2-second
 * steps), nor network or FUSE filesystems (the server's clock, or none).
 */
const CTIME_FILESYSTEMS = new Set([
  0xef53, 0x58465342, 0x9123683e, 0x01021994, 0x2fc12fc1, 0xf2f52010, 0x794c7630,
]);

/** Whether directories on the filesystem of `path` can be vouched for (Linux only). */
export function keepsCtime(path: string): boolean {
  if (process.platform !== 'linux') return false;
  try {
    return CTIME_FILESYSTEMS.has(statfsSync(path).type);
  } catch {
    return false;
  }
}

/** Whether `name` holds a separator (`/`, or either on Windows). */
export function hasSeparator(name: string): boolean {
  return name.includes('/') || (sep !== '/' && name.includes(sep));
}

/** Numbers per saved listing: the directory's index, its first child's, how many, its ctime. */
export const LISTING_NUMBERS = 4;

/** A saved listing: the directory's children are the entries `first` to `first + names - 1`. */
export interface SavedListing extends DirListing {
  readonly first: number;
}

/** The listings saved with a snapshot, by the index of their directory. */
export class SavedListings {
  static readonly NONE = new SavedListings(new Float64Array(0));
  /** `LISTING_NUMBERS` numbers per listing (see {@link listingRecords}). */
  readonly records: Float64Array;
  #byDir: Map<number, number> | null = null;

  constructor(records: Float64Array) {
    this.records = records;
  }

  /** The listing saved for entry `i`, if any. */
  of(i: number): SavedListing | undefined {
    if (this.records.length === 0) return undefined;
    if (this.#byDir === null) {
      this.#byDir = new Map();
      for (let r = 0; r < this.records.length; r += LISTING_NUMBERS) {
        this.#byDir.set(this.records[r] as number, r);
      }
    }
    const r = this.#byDir.get(i);
    if (r === undefined) return undefined;
    const records = this.records;
    return {
      first: records[r + 1] as number,
      names: records[r + 2] as number,
      ctimeMs: records[r + 3] as number,
    };
  }

  /**
   * Whether every record names entries among `entries`, the records' children
   * one after the other and apart (so that they name `entries` names at most
   * in all), each directory once; the names themselves are checked when used.
   */
  fits(entries: number): boolean {
    const records = this.records;
    let end = 0;
    const dirs = new Set<number>();
    for (let r = 0; r < records.length; r += LISTING_NUMBERS) {
      const [dir, first, names] = [records[r], records[r + 1], records[r + 2]] as number[];
      const whole = [dir, first, names].every((n) => Number.isInteger(n) && (n as number) >= 0);
      const inRange = (names as number) >= 1 && (first as number) + (names as number) <= entries;
      if (!whole || !inRange || (dir as number) >= entries || (first as number) < end) {
        return false;
      }
      // One listing per directory (the writer keeps them by directory): two could disagree.
      if (dirs.has(dir as number)) return false;
      dirs.add(dir as number);
      end = (first as number) + (names as number);
    }
    return true;
  }
}

/**
 * The records to save for `listed` (listings by the index of their
 * directory among the paths in `text`, path `i` from `starts[i]` to
 * `starts[i + 1]`, in the order they are saved in): a listing is kept only
 * when the directory's children are exactly `names` entries one after the
 * other (none ignored, none added apart, as a scan saves them), so that a
 * restart finds them without an index.
 */
export function listingRecords(
  text: string,
  starts: Uint32Array,
  listed: ReadonlyMap<number, DirListing>,
): Float64Array {
  if (listed.size === 0) return new Float64Array(0);
  const dirs = new Map<string, number>();
  for (const i of listed.keys()) dirs.set(text.slice(starts[i], starts[i + 1]), i);
  /** Per listed directory: its first child's index, how many so far, and whether they run on. */
  const runs = new Map<number, { first: number; count: number; whole: boolean }>();
  // Entries of one directory come one after the other: their parent is looked up once.
  let parent = '';
  let dir: number | undefined;
  for (let k = 0; k + 1 < starts.length; k++) {
    const start = starts[k] as number;
    // The last separator of path k (one before its start: it has none).
    const cut = Math.max(text.lastIndexOf(sep, (starts[k + 1] as number) - 1), start - 1) - start;
    if (cut !== parent.length || !text.startsWith(parent, start)) {
      parent = cut <= 0 ? '' : text.slice(start, start + cut);
      dir = cut <= 0 ? undefined : dirs.get(parent);
    }
    if (dir === undefined) continue;
    const run = runs.get(dir);
    if (run === undefined) runs.set(dir, { first: k, count: 1, whole: true });
    else {
      if (k !== run.first + run.count) run.whole = false;
      run.count++;
    }
  }
  const records: number[] = [];
  for (const [dir, run] of runs) {
    const listing = listed.get(dir) as DirListing;
    if (run.whole && run.count === listing.names) {
      records.push(dir, run.first, run.count, listing.ctimeMs);
    }
  }
  return new Float64Array(records);
}

/**
 * The names of every listing saved in `columns`, by the index of its
 * directory; a listing with a name that is not a plain name in it is left
 * out (see `SnapshotColumns.namesBelow`). A restart makes them all at once,
 * while the watch thread starts (the main thread would only wait for it
 * then), so that the scan, which takes them instead of reading
 * directories, finds them made.
 */
export function listingNames(columns: SnapshotColumns): Map<number, readonly string[]> {
  const byDir = new Map<number, readonly string[]>();
  const records = columns.listings.records;
  for (let r = 0; r < records.length; r += LISTING_NUMBERS) {
    const dir = records[r] as number;
    const names = columns.namesBelow(dir, records[r + 1] as number, records[r + 2] as number);
    if (names !== undefined) byDir.set(dir, names);
  }
  return byDir;
}
