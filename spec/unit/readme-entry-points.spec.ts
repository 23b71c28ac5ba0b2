// The README's entry-point table names every entry point the package exports, and nothing else.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string): string => readFileSync(new URL(path, import.meta.url), 'utf8');

describe("README's entry points", () => {
  it('lists every export of package.json in its table, once', () => {
    const manifest = JSON.parse(read('../../package.json')) as { exports: Record<string, unknown> };
    const exported = Object.keys(manifest.exports)
      .filter((key) => key !== './package.json')
      .map((key) => (key === '.' ? 'batchwatch' : `batchwatch/${key.slice(2)}`))
      .sort();
    const readme = read('../../README.md');
    const section = readme.slice(readme.indexOf('## Entry points'));
    const rows = section
      .split('\n')
      .filter((line) => /^\| `batchwatch/.test(line))
      .map((line) => /^\| `([^`]+)`/.exec(line)?.[1] as string)
      .sort();
    expect(rows).toEqual(exported);
  });
});
