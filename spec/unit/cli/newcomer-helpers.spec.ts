import { describe, expect, it } from 'vitest';
import { didYouMean } from '../../../lib/cli/did-you-mean.ts';
import { fitToWidth } from '../../../lib/cli/fit-to-width.ts';
import { formatBatch } from '../../../lib/cli/format-batch.ts';
import { ignoredUnder, ignoreGlobs, keeping } from '../../../lib/cli/ignore-globs.ts';
import { Action } from '../../../lib/events/action.ts';
import { createEvent } from '../../../lib/events/event.ts';

describe('didYouMean', () => {
  it('names the subcommand a mistyped word is close to', () => {
    expect(didYouMean('deamon')).toBe('"batchwatch daemon"');
    expect(didYouMean('prxy')).toBe('"batchwatch proxy"');
    expect(didYouMean('wacth')).toBe('"batchwatch watch"');
  });

  it('says nothing for a word far from every command, or one that looks like a path', () => {
    expect(didYouMean('config')).toBeNull();
    expect(didYouMean('daemon.d')).toBeNull();
    expect(didYouMean('./deamon')).toBeNull();
  });
});

describe('fitToWidth', () => {
  it('cuts a line to one column less than the terminal, ending it with an ellipsis', () => {
    expect(fitToWidth('abcdefghij', 8)).toBe('abcdef…');
    expect(fitToWidth('abcdefg', 8)).toBe('abcdefg');
    expect(fitToWidth('é'.repeat(20), 5)).toBe('ééé…');
    expect(fitToWidth('abcdefghij', undefined)).toBe('abcdefghij');
  });
});

describe('ignoreGlobs and ignoredUnder (on the file source matcher)', () => {
  const match = (globs: readonly string[], defaults: boolean, roots = ['/work/app']) =>
    ignoredUnder(ignoreGlobs(globs, defaults, '/work/app'), roots);

  it('translate what the user typed into the globs fileSource reads', () => {
    expect(
      ignoreGlobs(['*.log', 'build/**', 'tmp/', './gen/*.ts', '/abs/x/'], true, '/work/app'),
    ).toEqual([
      '.git',
      'node_modules',
      '*.log',
      '/work/app/build/**',
      'tmp',
      '/work/app/gen/*.ts',
      '/abs/x',
    ]);
  });

  it('watch a root given inside an ignored directory (only what is under the root is judged)', () => {
    const ignored = match([], true, ['/work/app/node_modules/pkg']);
    expect(ignored('/work/app/node_modules/pkg/index.js')).toBe(false);
    expect(ignored('/work/app/node_modules/pkg/node_modules/dep/a.js')).toBe(true);
  });

  it('leave out .git and node_modules at any depth, and everything under them, by default', () => {
    const ignored = match([], true);
    for (const path of [
      '/work/app/.git',
      '/work/app/.git/index.lock',
      '/work/app/node_modules',
      '/work/app/packages/a/node_modules/x/index.js',
      '/home/u/.cache/app/node_modules',
    ]) {
      expect(ignored(path), path).toBe(true);
    }
    for (const path of ['/work/app/src/git.ts', '/work/app/.gitignore', '/work/app/modules']) {
      expect(ignored(path), path).toBe(false);
    }
  });

  it('match a glob without "/" by name anywhere, and one with "/" from the current directory', () => {
    const ignored = match(['*.log', 'build/**', 'tmp/'], false);
    expect(ignored('/work/app/server.log')).toBe(true);
    expect(ignored('/work/app/deep/er/x.log')).toBe(true);
    expect(ignored('/work/app/build/out/a.js')).toBe(true);
    expect(ignored('/work/app/tmp/a')).toBe(true);
    expect(ignored('/work/app/src/build/a.js')).toBe(false);
    expect(ignored('/work/app/node_modules/x')).toBe(false);
  });

  it('spare a --hold-while file and the directories above it, nothing else under them', () => {
    const ignored = keeping(match([], true), ['/work/app/.git/index.lock']);
    expect(ignored('/work/app/.git/index.lock')).toBe(false);
    expect(ignored('/work/app/.git')).toBe(false);
    expect(ignored('/work/app/.git/index')).toBe(true);
    expect(ignored('/work/app/.git/objects/ab')).toBe(true);
    expect(ignored('/work/app/node_modules')).toBe(true);
  });

  it('match nothing with no glob', () => {
    expect(match([], false)('/work/app/.git')).toBe(false);
  });
});

describe('formatBatch', () => {
  const at = new Date(2026, 0, 1, 12, 0, 0);
  const renamed = createEvent({
    type: 'file',
    actorName: 'new.txt',
    oldName: 'old.txt',
    action: Action.FileRenamed,
    time: 1,
  });
  const created = createEvent({
    type: 'file',
    actorName: 'a',
    action: Action.FileCreated,
    time: 1,
  });

  it('shows a rename as "renamed old -> new" in text', () => {
    expect(formatBatch([renamed, created], 4, 'text', at)).toBe(
      'batch 4 · 2 events · 12:00:00\n  renamed old.txt -> new.txt\n  created a\n',
    );
  });

  it("gives JSON events the action's name right after its number", () => {
    const line = formatBatch([renamed], 1, 'json', at);
    expect(line).toContain('"action":8,"actionName":"renamed"');
    expect(JSON.parse(line)).toEqual({
      batch: 1,
      events: [{ ...renamed, actionName: 'renamed' }],
    });
  });
});
