// The CHANGELOG as Keep a Changelog has it: Unreleased on top, then a section for the version in
// package.json with a migration list for what a user of the previous release must change.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (name: string): string =>
  readFileSync(new URL(`../../${name}`, import.meta.url), 'utf8');
const version = (JSON.parse(read('package.json')) as { version: string }).version;
const releases = [
  ...read('CHANGELOG.md').matchAll(/^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$/gm),
];

describe('CHANGELOG.md', () => {
  it('starts with Unreleased, then the release package.json names, dated', () => {
    expect(releases[0]?.[1]).toBe('Unreleased');
    expect(releases[1]?.[1]).toBe(version);
    expect(releases[1]?.[2]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('the release has a migration section, and no heading repeats within a release', () => {
    const text = read('CHANGELOG.md');
    const start = text.indexOf(`## [${version}]`);
    const section = text.slice(start, text.indexOf('\n## [', start + 1));
    const headings = [...section.matchAll(/^### (.+)$/gm)].map((m) => m[1]);
    expect(headings.some((h) => h?.startsWith('Migration'))).toBe(true);
    expect(new Set(headings).size).toBe(headings.length);
  });
});
