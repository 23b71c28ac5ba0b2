import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Action, type Event } from '../../../../lib/index.ts';
import { fileSource } from '../../../../lib/sources/file/file-source.ts';
import { Recorder, tempDir } from './support.ts';

const is =
  (action: Action, actorId: string) =>
  (event: Event): boolean =>
    event.action === action && event.actorId === actorId;

/** Waits for the barriers of every given directory: what any watcher of them saw is out. */
async function settle(rec: Recorder, ...dirs: string[]): Promise<void> {
  for (const dir of dirs) await rec.settle(dir);
}

describe('fileSource on overlapping paths (real files)', () => {
  it('reports each change once, named relative to the outer directory', async () => {
    const dir = await tempDir();
    const sub = join(dir, 'sub');
    const app = join(dir, 'app.yaml');
    await mkdir(sub);
    await writeFile(app, 'a: 1');
    await writeFile(join(sub, 'x'), 'x');
    // The same directory under two spellings, a file in it, and a directory in it, in any order.
    const rec = new Recorder(fileSource([sub, app, `${dir}/`, dir, join(sub, 'x')]));
    await rec.source.ready();

    await writeFile(app, 'a: 2');
    await rec.next(is(Action.FileWritten, app));
    await writeFile(join(sub, 'x'), 'y');
    await rec.next(is(Action.FileWritten, join(sub, 'x')));
    await mkdir(join(sub, 'new'));
    await rec.next(is(Action.FileCreated, join(sub, 'new')));
    await unlink(join(sub, 'x'));
    await rec.next(is(Action.FileDeleted, join(sub, 'x')));
    await rename(app, join(dir, 'app.yaml.bak'));
    await rec.next(is(Action.FileRenamed, join(dir, 'app.yaml.bak')));
    await settle(rec, dir, sub);

    expect(rec.log).toEqual([
      'written app.yaml',
      'written sub/x',
      'created sub/new',
      'deleted sub/x',
      'renamed app.yaml.bak <- app.yaml',
    ]);
    for (const event of rec.events) expect(event.actorAttributes['root']).toBe(dir);
    expect(rec.source.stats()['renames']).toBe(1);
  });

  it('with a limited depth, reports once both what the outer root reaches and what only the inner one does', async () => {
    const dir = await tempDir();
    const sub = join(dir, 'sub');
    await mkdir(join(sub, 'c'), { recursive: true });
    await writeFile(join(sub, 'b'), 'b');
    await writeFile(join(sub, 'c', 'd'), 'd');
    // dir at depth 1 reaches sub/b and sub/c, not sub/c/d: that one only sub's root reaches.
    const rec = new Recorder(fileSource([dir, sub], { depth: 1 }));
    await rec.source.ready();

    await writeFile(join(sub, 'b'), 'b2');
    await rec.next(is(Action.FileWritten, join(sub, 'b')));
    await writeFile(join(sub, 'c', 'd'), 'd2');
    await rec.next(is(Action.FileWritten, join(sub, 'c', 'd')));
    await mkdir(join(sub, 'c', 'e'));
    await rec.next(is(Action.FileCreated, join(sub, 'c', 'e')));
    await settle(rec, dir, sub, join(sub, 'c'));
    expect(rec.events.map((event) => [event.actorName, event.actorAttributes['root']])).toEqual([
      ['sub/b', dir],
      ['c/d', sub],
      ['c/e', sub],
    ]);
    expect(rec.log).toEqual(['written sub/b', 'written c/d', 'created c/e']);

    // Out of the inner root's own levels into those the outer root reports: each root tells its
    // side, once (the inner one cannot report the new name, the outer one never saw the old).
    await rename(join(sub, 'c', 'd'), join(sub, 'd'));
    await rec.next(is(Action.FileDeleted, join(sub, 'c', 'd')));
    await rec.next(is(Action.FileCreated, join(sub, 'd')));
    await settle(rec, dir, sub, join(sub, 'c'));
    expect(rec.log.slice(3).sort()).toEqual(['created sub/d', 'deleted c/d']);
  });

  it('with ignoreInitial: false, reports what exists once', async () => {
    const dir = await tempDir();
    const sub = join(dir, 'sub');
    await mkdir(join(sub, 'deep'), { recursive: true });
    await writeFile(join(sub, 'deep', 'a.txt'), 'a');
    await writeFile(join(dir, 'b.txt'), 'b');
    const source = fileSource([join(sub, 'deep'), dir, join(dir, 'b.txt'), sub], {
      ignoreInitial: false,
    });
    const rec = new Recorder(source);
    await source.ready();
    expect(rec.log.sort()).toEqual([
      'created b.txt',
      'created sub',
      'created sub/deep',
      'created sub/deep/a.txt',
    ]);
  });

  it('reports a single file inside a watched directory once, as the directory reports it', async () => {
    const dir = await tempDir();
    const config = join(dir, 'config.yaml');
    await writeFile(config, 'a: 1');
    const rec = new Recorder(fileSource([dir, config]));
    await rec.source.ready();

    await writeFile(config, 'a: 2');
    await rec.next(is(Action.FileWritten, config));
    await mkdir(join(dir, 'neighbour')); // reported: the whole directory is watched
    await rec.next(is(Action.FileCreated, join(dir, 'neighbour')));
    await rename(config, join(dir, 'config.yaml.bak'));
    await rec.next(is(Action.FileRenamed, join(dir, 'config.yaml.bak')));
    await settle(rec, dir);
    expect(rec.log).toEqual([
      'written config.yaml',
      'created neighbour',
      'renamed config.yaml.bak <- config.yaml',
    ]);
  });
});
