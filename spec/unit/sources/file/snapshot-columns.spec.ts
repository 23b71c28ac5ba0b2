// The tree snapshot as a checkpoint (format 3: columns and directory listings): what is written is read back exactly, a
// snapshot of format 1 (0.2.0) is still read, and anything else (corrupt, truncated, hostile) is
// refused with null, never a throw, and never inflated past the size it declares.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { listingNames, SETTLED_MS, settled } from '../../../../lib/sources/file/dir-listings.ts';
import { MAX_SNAPSHOT_BYTES } from '../../../../lib/sources/file/snapshot-binary.ts';
import {
  ColumnWriter,
  SnapshotColumns,
  type SnapshotEntry,
} from '../../../../lib/sources/file/snapshot-columns.ts';
import { serializeSnapshot } from '../../../../lib/sources/file/tree-snapshot.ts';

/** The names a restart takes for directory `i` of `columns`, if any. */
const savedNames = (columns: SnapshotColumns, i: number) => listingNames(columns).get(i);

const entries: [string, SnapshotEntry][] = [
  [
    '/w/a.txt',
    { id: '2049:131:1765000000000.1235', size: 12, mtimeMs: 1765000000123.4568, dir: false },
  ],
  ['/w/d', { id: '2049:132:1765000000001', size: 4096, mtimeMs: 1765000000200, dir: true }],
  ['/w/d/été 日本 🐳.conf', { id: '2049:9007199254740991:0', size: 0, mtimeMs: 0, dir: false }],
  ['/w/no-inode', { id: '', size: 7, mtimeMs: 3.5, dir: false }],
];

const all = (columns: SnapshotColumns | null) =>
  columns === null
    ? null
    : Array.from({ length: columns.length }, (_, i) => [columns.path(i), columns.entry(i)]);

/** A format-3 text with its inflated bytes changed by `edit` (the declared size follows). */
function tampered(edit: (bytes: Buffer) => Buffer): string {
  return withRaw(serializeSnapshot(new Map(entries)), edit);
}

/** Snapshot `text` with its inflated bytes changed by `edit` (the declared size follows). */
function withRaw(text: string, edit: (bytes: Buffer) => Buffer): string {
  const [, size, body] = /^bwts2:(\d+):(.*)$/s.exec(text) ?? [];
  const raw = inflateRawSync(Buffer.from(body ?? '', 'base64'));
  expect(raw.length).toBe(Number(size));
  const changed = edit(raw);
  return `bwts2:${changed.length}:${deflateRawSync(changed).toString('base64')}`;
}

describe('SnapshotColumns', () => {
  it('reads back exactly what was written: paths of any script, fractional times, no identity', () => {
    const text = serializeSnapshot(new Map(entries));
    expect(text.startsWith('bwts2:')).toBe(true);
    expect(all(SnapshotColumns.decode(text))).toEqual(entries);
    expect(all(SnapshotColumns.decode(serializeSnapshot(new Map())))).toEqual([]);
  });

  it('still reads a snapshot of format 1 (JSON rows, as 0.2.0 saved them)', () => {
    const rows = entries.map(([path, { id, size, mtimeMs, dir }]) => [
      path,
      id,
      size,
      mtimeMs,
      dir ? 1 : 0,
    ]);
    const text = deflateRawSync(JSON.stringify([1, rows]), { level: 1 }).toString('base64');
    expect(all(SnapshotColumns.decode(text))).toEqual(entries);
  });

  it('finds a path without making a string per entry, and below which directory it lies', () => {
    const columns = SnapshotColumns.from(entries);
    expect(columns.pathIs(1, '/w/d')).toBe(true);
    expect(columns.pathIs(1, '/w/e')).toBe(false);
    expect(columns.pathIs(1, '/w/d/')).toBe(false);
    expect(columns.isBelow(2, '/w/d')).toBe(true);
    expect(columns.isBelow(1, '/w/d')).toBe(false);
    expect(columns.isBelow(0, '/w/d')).toBe(false);
    expect(columns.indexOf('/w/no-inode')).toBe(3);
    expect(columns.indexOf('/w/none')).toBe(-1);
  });

  it('finds every path of a large snapshot by index, a path given twice at its first', () => {
    const many: [string, SnapshotEntry][] = [];
    for (let i = 0; i < 5000; i++)
      many.push([`/w/d${i % 50}/f${i}`, entries[0]?.[1] as SnapshotEntry]);
    // A hostile snapshot may hold one path twice.
    many.push(['/w/d7/f7', entries[0]?.[1] as SnapshotEntry]);
    const columns = SnapshotColumns.from(many);
    for (let i = 0; i < 5000; i++) expect(columns.indexOf(`/w/d${i % 50}/f${i}`)).toBe(i);
    expect(columns.indexOf('/w/d7/f5000')).toBe(-1);
    expect(columns.indexOf('/w/d7')).toBe(-1);
    expect(columns.indexOf('')).toBe(-1);
    expect(SnapshotColumns.from([]).indexOf('/w')).toBe(-1);
  });

  it.each([
    ['empty', ''],
    ['not base64 deflate', 'damaged'],
    ['a prefix only', 'bwts2:'],
    ['no size', 'bwts2:abc'],
    ['a size that is not a number', 'bwts2:12x:AAAA'],
    ['a size over the limit', `bwts2:${MAX_SNAPSHOT_BYTES + 1}:AAAA`],
    [
      'format 1 with a row that is not one',
      deflateRawSync('[1, [["/a", 5, 1, 1, 0]]]').toString('base64'),
    ],
    [
      'format 1 with an identity that is not one',
      deflateRawSync('[1, [["/a", "x", 1, 1, 0]]]').toString('base64'),
    ],
    ['format 9', deflateRawSync('[9, []]').toString('base64')],
  ])('refuses %s', (_case, text) => {
    expect(SnapshotColumns.decode(text)).toBeNull();
  });

  it('refuses a snapshot that inflates to more than it declares (a deflate bomb stops there)', () => {
    const bomb = deflateRawSync(Buffer.alloc(64 << 20)).toString('base64');
    expect(SnapshotColumns.decode(`bwts2:1024:${bomb}`)).toBeNull();
  });

  it('refuses a truncated snapshot, a bad magic or format, counts and lengths that do not add up', () => {
    const text = serializeSnapshot(new Map(entries));
    expect(SnapshotColumns.decode(text.slice(0, text.length - 8))).toBeNull();
    /** The inflated bytes with u32 `at` set by `value` (from the value there). */
    const set =
      (at: number, value: (was: number) => number) =>
      (raw: Buffer): Buffer => {
        raw.writeUInt32LE(value(raw.readUInt32LE(at)), at);
        return raw;
      };
    const cases: ((raw: Buffer) => Buffer)[] = [
      (raw) => raw.subarray(0, raw.length - 8), // a column cut short
      set(0, () => 0), // magic
      set(4, () => 4), // format
      set(8, () => 0xffffffff), // entries: more than the bytes hold
      set(12, (was) => was + 8), // path bytes
      set(16, (was) => was + 1), // a path length: the lengths no longer add up
      (raw) => set(20, (was) => was + 8)(set(16, () => 0)(raw)), // an empty path
    ];
    for (const edit of cases) expect(SnapshotColumns.decode(tampered(edit))).toBeNull();
    // The same bytes, untouched, are read.
    expect(all(SnapshotColumns.decode(tampered((raw) => raw)))).toEqual(entries);
  });

  it('still reads a snapshot of format 2 (no listings, as the release before saved them)', () => {
    const text = tampered((raw) => {
      raw.writeUInt32LE(2, 4);
      return raw.subarray(0, raw.length - 8);
    });
    expect(all(SnapshotColumns.decode(text))).toEqual(entries);
  });

  describe('directory listings', () => {
    const ctimeMs = 1765000000100.25;
    /** `entries` written with a listing of `/w/d` claiming `names` names. */
    const withListing = (names: number, order = entries): SnapshotColumns | null => {
      const writer = new ColumnWriter();
      for (const [path, entry] of order) {
        writer.add(path, entry, path === '/w/d' ? { ctimeMs, names } : undefined);
      }
      return SnapshotColumns.decode(writer.encode());
    };

    it('keeps a listing whose directory holds exactly its names, one after the other', () => {
      const columns = withListing(1) as SnapshotColumns;
      expect(all(columns)).toEqual(entries);
      expect(columns.listings.of(1)).toEqual({ first: 2, names: 1, ctimeMs });
      expect(savedNames(columns, 1)).toEqual(['été 日本 🐳.conf']);
      expect(listingNames(columns)).toEqual(new Map([[1, ['été 日本 🐳.conf']]]));
      expect(columns.listings.of(0)).toBeUndefined();
      // Folded into new columns, an entry's listing is carried.
      const writer = new ColumnWriter();
      for (let i = 0; i < columns.length; i++) writer.copy(columns, i);
      expect(writer.finish().listings.of(1)).toEqual({ first: 2, names: 1, ctimeMs });
      // Copied in runs (their paths as one piece), with one entry between: the same checkpoint.
      for (let cut = 0; cut < columns.length; cut++) {
        const runs = new ColumnWriter();
        runs.copyRun(columns, 0, cut);
        runs.copy(columns, cut);
        runs.copyRun(columns, cut + 1, columns.length);
        runs.copyRun(columns, 0, 0);
        expect(runs.encode()).toBe(writer.encode());
        expect(runs.finish().listings.of(1)).toEqual({ first: 2, names: 1, ctimeMs });
      }
    });

    it('drops a listing whose names are not all saved, or not one after the other', () => {
      // A name was ignored: two in the directory, one saved.
      expect(withListing(2)?.listings.of(1)).toBeUndefined();
      const apart: [string, SnapshotEntry][] = [
        ...entries,
        ['/w/d/later', { id: '', size: 1, mtimeMs: 1, dir: false }],
      ];
      apart.splice(3, 0, ['/w/between', { id: '', size: 1, mtimeMs: 1, dir: false }]);
      expect(withListing(2, apart)?.listings.of(1)).toBeUndefined();
    });

    it('refuses listings out of range, and names nothing that could lead out of the directory', () => {
      const text = serializeSnapshot(new Map(entries));
      const listing = (dir: number, first: number, names: number) =>
        tampered((raw) => {
          const record = Buffer.alloc(32);
          for (const [k, n] of [dir, first, names, ctimeMs].entries())
            record.writeDoubleLE(n, 8 * k);
          const out = Buffer.concat([raw, record]);
          out.writeUInt32LE(1, raw.length - 8);
          return out;
        });
      expect(text.startsWith('bwts2:')).toBe(true);
      expect(SnapshotColumns.decode(listing(9, 2, 1))).toBeNull();
      expect(SnapshotColumns.decode(listing(1, 3, 2))).toBeNull();
      expect(SnapshotColumns.decode(listing(1, 0.5, 1))).toBeNull();
      // Two listings of one directory (the writer keeps one per directory): they could disagree.
      const twice = tampered((raw) => {
        const records = Buffer.alloc(64);
        for (const [k, n] of [1, 2, 1, ctimeMs, 1, 3, 1, ctimeMs + 1].entries())
          records.writeDoubleLE(n, 8 * k);
        const out = Buffer.concat([raw, records]);
        out.writeUInt32LE(2, raw.length - 8);
        return out;
      });
      expect(SnapshotColumns.decode(twice)).toBeNull();
      // In range, but one of them not a name in the directory (no name after it): read, never used.
      const columns = SnapshotColumns.decode(listing(1, 0, 2)) as SnapshotColumns;
      expect(all(columns)).toEqual(entries);
      expect(savedNames(columns, 1)).toBeUndefined();
      // Names that could lead out of the directory (a way back up, a loop for a scan; a
      // separator), a NUL (a path that throws), an entry not below it, listed by a hostile
      // snapshot: never used.
      for (const child of [
        '/w/d/..',
        '/w/d/.',
        '/w/d/x/../../etc',
        '/w/d/a\u0000b',
        '/w/e',
        '/w/dxy', // the directory's path, then no separator
        '/w/d/', // an empty name
      ]) {
        const hostile = new Map<string, SnapshotEntry>([
          ['/w/d', { id: '', size: 1, mtimeMs: 1, dir: true }],
          [child, { id: '', size: 1, mtimeMs: 1, dir: true }],
        ]);
        const record = Buffer.alloc(32);
        for (const [k, n] of [0, 1, 1, ctimeMs].entries()) record.writeDoubleLE(n, 8 * k);
        const text = withRaw(serializeSnapshot(hostile), (raw) => {
          const out = Buffer.concat([raw, record]);
          out.writeUInt32LE(1, raw.length - 8);
          return out;
        });
        const decoded = SnapshotColumns.decode(text) as SnapshotColumns;
        expect(decoded.listings.of(0)).toEqual({ first: 1, names: 1, ctimeMs });
        expect(savedNames(decoded, 0)).toBeUndefined();
        expect(listingNames(decoded)).toEqual(new Map());
      }
      expect(savedNames(SnapshotColumns.decode(listing(1, 2, 1)) as SnapshotColumns, 1)).toEqual([
        'été 日本 🐳.conf',
      ]);
    });

    it('vouches only for a directory whose ctime was well in the past when it was read', () => {
      const now = 1765000000000;
      expect(settled(now - SETTLED_MS - 1, now)).toBe(true);
      expect(settled(now - SETTLED_MS, now)).toBe(false);
      expect(settled(now - 5, now)).toBe(false);
    });
  });
});
