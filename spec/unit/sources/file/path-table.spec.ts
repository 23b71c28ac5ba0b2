// The table that finds a snapshot's paths by index: paths that differ only in the high bits of
// their characters (which a plain FNV hash leaves out of its low bits, the ones a table's slot is
// taken from) still spread over the table, so no one can name files that make every lookup slow.
import { describe, expect, it } from 'vitest';
import { PathTable, pathHash } from '../../../../lib/sources/file/path-table.ts';

/** 4,096 names of 12 characters, each `a` or `\u8061` (the same low byte). */
const names = Array.from({ length: 4096 }, (_, n) =>
  Array.from({ length: 12 }, (_, bit) => ((n >> bit) & 1 ? '\u8061' : 'a')).join(''),
);

describe('PathTable', () => {
  it('spreads names that differ only in high bits over the slots of a table', () => {
    const slots = new Set(names.map((name) => pathHash(`/w/${name}`) & 8191));
    // Uniform hashing fills about 3,200 of 8,192 slots with 4,096 names; FNV alone filled one.
    expect(slots.size).toBeGreaterThan(2500);
  });

  it('finds each of them at its index, and no other path', () => {
    const paths = names.map((name) => `/w/${name}`);
    const starts = new Uint32Array(paths.length + 1);
    paths.forEach((path, i) => {
      starts[i + 1] = (starts[i] as number) + path.length;
    });
    const text = paths.join('');
    const columns = {
      pathIs: (i: number, path: string) => text.slice(starts[i], starts[i + 1]) === path,
    };
    const table = new PathTable(text, starts);
    paths.forEach((path, i) => {
      expect(table.find(path, columns)).toBe(i);
    });
    expect(table.find('/w/b', columns)).toBe(-1);
    expect(new PathTable('', new Uint32Array(1)).find('/w', columns)).toBe(-1);
  });
});
