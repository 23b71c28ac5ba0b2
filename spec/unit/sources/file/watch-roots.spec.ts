import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { resolveWatchRoots } from '../../../../lib/sources/file/watch-roots.ts';

// The filesystem as the resolution sees it: these are the directories, anything else is a file.
const directories = new Set([
  '/',
  '/etc',
  '/srv',
  '/srv/app',
  '/srv/app/sub',
  '/srv/app/sub/deep',
  '/srv/application',
]);
const isDirectory = (path: string): boolean => directories.has(path);
const all = Number.POSITIVE_INFINITY;

const dir = (path: string, covered = -1) => ({ dir: path, files: null, covered });
const files = (parent: string, ...paths: string[]) => ({
  dir: parent,
  files: new Set(paths),
  covered: -1,
});

describe('resolveWatchRoots', () => {
  it('makes a root of each directory and one per parent of the single files', () => {
    expect(
      resolveWatchRoots(
        ['/srv/app', '/etc/a.conf', '/etc/b.conf', '/opt/x.json'],
        all,
        isDirectory,
      ),
    ).toEqual([
      dir('/srv/app'),
      files('/etc', '/etc/a.conf', '/etc/b.conf'),
      files('/opt', '/opt/x.json'),
    ]);
  });

  it('watches a path given twice, under any spelling, once', () => {
    expect(
      resolveWatchRoots(
        ['/srv/app', '/srv/app/', '/srv/./app', '/etc/a.conf', '/etc/../etc/a.conf'],
        all,
        isDirectory,
      ),
    ).toEqual([dir('/srv/app'), files('/etc', '/etc/a.conf')]);
  });

  it.each([
    ['outer first', ['/srv/app', '/srv/app/sub', '/srv/app/sub/deep']],
    ['outer last', ['/srv/app/sub/deep', '/srv/app/sub', '/srv/app']],
  ])('drops a directory inside another when the depth is unlimited (%s)', (_order, paths) => {
    expect(resolveWatchRoots(paths, all, isDirectory)).toEqual([dir('/srv/app')]);
  });

  it('drops single files a directory root already reports, at any level', () => {
    expect(
      resolveWatchRoots(
        [
          '/srv/app',
          '/srv/app/app.yaml',
          '/srv/app/sub/deep/x.json',
          '/srv/app/sub/new/later.json',
        ],
        all,
        isDirectory,
      ),
    ).toEqual([dir('/srv/app')]);
  });

  it('does not take a sibling that shares a prefix for a path inside', () => {
    expect(
      resolveWatchRoots(['/srv/app', '/srv/app-old/a.conf', '/srv/application'], all, isDirectory),
    ).toEqual([
      dir('/srv/app'),
      dir('/srv/application'),
      files('/srv/app-old', '/srv/app-old/a.conf'),
    ]);
  });

  it('covers everything from the filesystem root', () => {
    expect(resolveWatchRoots(['/etc/a.conf', '/srv/app', '/'], all, isDirectory)).toEqual([
      dir('/'),
    ]);
  });

  describe('with a limited depth', () => {
    it('keeps a nested directory, skipping the levels the enclosing root already reports', () => {
      // /srv/app at depth 1 reports sub (level 1) and sub/* (level 2): sub's own root reports
      // only what lies deeper, from its level 2 on.
      expect(resolveWatchRoots(['/srv/app', '/srv/app/sub'], 1, isDirectory)).toEqual([
        dir('/srv/app'),
        dir('/srv/app/sub', 1),
      ]);
      // At depth 0, /srv/app reports sub itself (level 1 = sub's level 0), not what is in it.
      expect(resolveWatchRoots(['/srv/app', '/srv/app/sub'], 0, isDirectory)).toEqual([
        dir('/srv/app'),
        dir('/srv/app/sub', 0),
      ]);
    });

    it('keeps a nested directory the enclosing root does not reach at all, skipping nothing', () => {
      expect(resolveWatchRoots(['/srv', '/srv/app/sub/deep'], 1, isDirectory)).toEqual([
        dir('/srv'),
        dir('/srv/app/sub/deep'),
      ]);
    });

    it('measures what is covered from the nearest enclosing root', () => {
      expect(
        resolveWatchRoots(['/srv/app/sub/deep', '/srv/app', '/srv/app/sub'], 1, isDirectory),
      ).toEqual([dir('/srv/app/sub/deep', 1), dir('/srv/app'), dir('/srv/app/sub', 1)]);
    });

    it('drops a single file only when an enclosing root reaches its level', () => {
      expect(
        resolveWatchRoots(
          ['/srv/app', '/srv/app/app.yaml', '/srv/app/sub/x.json', '/srv/app/sub/deep/y.json'],
          0,
          isDirectory,
        ),
      ).toEqual([
        dir('/srv/app'),
        files('/srv/app/sub', '/srv/app/sub/x.json'),
        files('/srv/app/sub/deep', '/srv/app/sub/deep/y.json'),
      ]);
      // A nested directory root reaches them in its turn.
      expect(
        resolveWatchRoots(
          ['/srv/app', '/srv/app/sub', '/srv/app/sub/x.json', '/srv/app/sub/deep/y.json'],
          0,
          isDirectory,
        ),
      ).toEqual([
        dir('/srv/app'),
        dir('/srv/app/sub', 0),
        files('/srv/app/sub/deep', '/srv/app/sub/deep/y.json'),
      ]);
    });
  });

  it('tells directories from files on disk by default (a missing path is a file)', async () => {
    const root = await realpath(await mkdtemp(join(tmpdir(), 'batchwatch-roots-')));
    onTestFinished(() => rm(root, { recursive: true, force: true }));
    await mkdir(join(root, 'sub'));
    expect(
      resolveWatchRoots(
        [root, join(root, 'app.yaml'), join(root, 'sub'), join(root, 'sub', 'later.json')],
        all,
      ),
    ).toEqual([dir(root)]);
    expect(resolveWatchRoots([join(root, 'sub'), join(root, 'missing', 'a.json')], all)).toEqual([
      dir(join(root, 'sub')),
      files(join(root, 'missing'), join(root, 'missing', 'a.json')),
    ]);
  });
});
