import { appendFile, mkdir, rename, rm, rmdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Action, type Event } from '../../../../lib/index.ts';
import { openWatches } from '../../../../lib/local-watcher/watch-directory.ts';
import { fileSource } from '../../../../lib/sources/file/file-source.ts';
import { atomicSave, Recorder, resources, tempDir, trackTimers, untilSettled } from './support.ts';

const is =
  (action: Action, actorName: string) =>
  (event: Event): boolean =>
    event.action === action && event.actorName === actorName;

describe('fileSource on a directory (real files)', () => {
  it('reports creates, writes and deletes of files and directories, named relative to the root', async () => {
    const root = await tempDir();
    const rec = new Recorder(fileSource(root));
    await rec.source.ready();
    expect(rec.source.status.kind).toBe('ready');

    const sub = join(root, 'sub');
    const file = join(sub, 'a.txt');
    const before = Date.now();
    await mkdir(sub);
    await rec.next(is(Action.FileCreated, 'sub'));
    await writeFile(file, 'one');
    await rec.next(is(Action.FileCreated, 'sub/a.txt'));
    await appendFile(file, 'two');
    await rec.next(is(Action.FileWritten, 'sub/a.txt'));
    await unlink(file);
    await rec.next(is(Action.FileDeleted, 'sub/a.txt'));
    await rmdir(sub);
    await rec.next(is(Action.FileDeleted, 'sub'));
    const after = Date.now();

    // A fresh file may be reported as created then written: the content lands after the create.
    expect(rec.log.filter((line, i, all) => line !== all[i - 1])).toEqual([
      'created sub',
      'created sub/a.txt',
      'written sub/a.txt',
      'deleted sub/a.txt',
      'deleted sub',
    ]);
    const created = rec.events.find(is(Action.FileCreated, 'sub/a.txt')) as Event;
    expect(created).toEqual({
      type: 'file',
      actorName: 'sub/a.txt',
      actorId: file,
      actorAttributes: { path: file, root, kind: 'file' },
      action: Action.FileCreated,
      time: expect.any(Number),
    });
    expect(rec.events.find(is(Action.FileDeleted, 'sub'))?.actorAttributes).toEqual({
      path: sub,
      root,
      kind: 'directory',
    });
    for (const event of rec.events) {
      expect(event.time).toBeGreaterThanOrEqual(before);
      expect(event.time).toBeLessThanOrEqual(after);
    }
    expect(rec.warnings).toEqual([]);
  });

  it.each([
    ['native events (add before unlink)', {}],
    ['polling (unlink before add)', { polling: 25 }],
  ])('pairs a rename inside the tree into one FileRenamed, with %s', async (_name, options) => {
    const root = await tempDir();
    await mkdir(join(root, 'dir'));
    await writeFile(join(root, 'dir', 'f.txt'), 'f');
    await writeFile(join(root, 'a.txt'), 'a');
    const rec = new Recorder(fileSource(root, options));
    await rec.source.ready();

    await rename(join(root, 'a.txt'), join(root, 'b.txt'));
    const { event } = await rec.next(is(Action.FileRenamed, 'b.txt'));
    expect(event).toMatchObject({
      actorId: join(root, 'b.txt'),
      oldName: 'a.txt',
      actorAttributes: { path: join(root, 'b.txt'), oldPath: join(root, 'a.txt'), kind: 'file' },
    });
    await rename(join(root, 'dir'), join(root, 'moved'));
    await rec.next(is(Action.FileRenamed, 'moved'));
    await rec.next(is(Action.FileRenamed, 'moved/f.txt'));
    await rec.settle(root);

    expect(rec.log.sort()).toEqual([
      'renamed b.txt <- a.txt',
      'renamed moved <- dir',
      'renamed moved/f.txt <- dir/f.txt',
    ]);
    expect(rec.source.stats()['renames']).toBe(3);
  });

  it('reports a rename out of the tree as a delete once the window passes, and into it as a create', async () => {
    const root = await tempDir();
    const outside = await tempDir();
    await writeFile(join(root, 'leaving.txt'), 'x');
    const renameWindow = 1000;
    const rec = new Recorder(fileSource(root, { renameWindow }));
    await rec.source.ready();

    const movedOut = Date.now();
    await rename(join(root, 'leaving.txt'), join(outside, 'leaving.txt'));
    const deleted = await rec.next(is(Action.FileDeleted, 'leaving.txt'));
    expect(deleted.at - movedOut).toBeGreaterThanOrEqual(renameWindow);
    expect(deleted.at - movedOut).toBeLessThan(renameWindow + 2000);

    const movedIn = Date.now();
    await rename(join(outside, 'leaving.txt'), join(root, 'arrived.txt'));
    const created = await rec.next(is(Action.FileCreated, 'arrived.txt'));
    expect(created.at - movedIn).toBeLessThan(renameWindow);
    await rec.settle(root);
    expect(rec.log).toEqual(['deleted leaving.txt', 'created arrived.txt']);
  });

  it('holds a delete for the rename window on the injected scheduler', async () => {
    const root = await tempDir();
    await writeFile(join(root, 'leaving.txt'), 'x');
    const scheduler = new VirtualTimeScheduler();
    // A window no test could wait for in real time: only virtual time can let it pass.
    const rec = new Recorder(fileSource(root, { renameWindow: 600_000, scheduler }));
    await rec.source.ready();
    const tracked = rec.source.stats()['tracked'] ?? 0;
    await unlink(join(root, 'leaving.txt'));
    await untilSettled(() => expect(rec.source.stats()['tracked']).toBe(tracked - 1));
    expect(rec.log).toEqual([]);
    await untilSettled(() => {
      scheduler.flush();
      expect(rec.log).toEqual(['deleted leaving.txt']);
    });
    expect(scheduler.now()).toBeGreaterThanOrEqual(600_000);
  });

  it('reports nothing for what exists by default, and with ignoreInitial: false every entry before ready', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'sub'));
    await writeFile(join(root, 'sub', 'a.txt'), 'a');
    await writeFile(join(root, 'b.txt'), 'b');

    const quiet = new Recorder(fileSource(root));
    await quiet.source.ready();
    await quiet.settle(root);
    expect(quiet.log).toEqual([]);

    const initial: string[] = [];
    const source = fileSource(root, { ignoreInitial: false });
    const rec = new Recorder(source);
    await source.ready().then(() => initial.push(...rec.log));
    expect(initial.sort()).toEqual(['created b.txt', 'created sub', 'created sub/a.txt']);
  });

  it('is ready only once every root is scanned, and reports from all of them', async () => {
    const first = await tempDir();
    const second = await tempDir();
    await writeFile(join(second, 'config.json'), '{}');
    const source = fileSource([first, join(second, 'config.json')]);
    const statuses: string[] = [];
    source.status$.subscribe((status) => statuses.push(status.kind));
    const rec = new Recorder(source);
    await source.ready();
    expect(statuses).toEqual(['idle', 'connecting', 'ready']);
    await writeFile(join(first, 'x'), 'x');
    await writeFile(join(second, 'config.json'), '{"a":1}');
    await rec.next(is(Action.FileCreated, 'x'));
    const { event } = await rec.next(is(Action.FileWritten, 'config.json'));
    expect(event.actorAttributes['root']).toBe(second);
  });

  it('passes ignored and depth through to chokidar', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'sub'));
    const rec = new Recorder(fileSource(root, { ignored: /\.log$/, depth: 0 }));
    await rec.source.ready();
    await writeFile(join(root, 'skip.log'), 'x');
    await writeFile(join(root, 'sub', 'deep.txt'), 'x');
    await writeFile(join(root, 'kept.txt'), 'x');
    await rec.settle(root);
    expect(rec.log).toEqual(['created kept.txt']);
  });

  it('passes polling through: no native watch handle, changes still seen', async () => {
    const root = await tempDir();
    const baseline = resources()['FSEventWrap'] ?? 0;
    const watches = openWatches();
    const rec = new Recorder(fileSource(root, { polling: 20 }));
    await rec.source.ready();
    expect(resources()['FSEventWrap'] ?? 0).toBe(baseline);
    expect(openWatches()).toBe(watches);
    await writeFile(join(root, 'polled.txt'), 'x');
    await rec.next(is(Action.FileCreated, 'polled.txt'));
  });

  it('passes awaitWriteFinish through: a create is held until the size has settled', async () => {
    const root = await tempDir();
    const stabilityThreshold = 400;
    const rec = new Recorder(
      fileSource(root, { awaitWriteFinish: { stabilityThreshold, pollInterval: 20 } }),
    );
    await rec.source.ready();
    const written = Date.now();
    await writeFile(join(root, 'upload.bin'), Buffer.alloc(64 * 1024));
    const created = await rec.next(is(Action.FileCreated, 'upload.bin'));
    expect(created.at - written).toBeGreaterThanOrEqual(stabilityThreshold);
    expect(created.at - written).toBeLessThan(stabilityThreshold + 2000);
  });

  it('forgets deleted paths: what it remembers to pair renames follows what exists', async () => {
    const root = await tempDir();
    const outside = await tempDir();
    const rec = new Recorder(fileSource(root));
    await rec.source.ready();
    const baseline = rec.source.stats()['tracked'] ?? 0;
    await mkdir(join(root, 'a'));
    await mkdir(join(root, 'b'));
    for (let i = 0; i < 20; i++) {
      await writeFile(join(root, 'a', `${i}`), 'x');
      await writeFile(join(root, 'b', `${i}`), 'x');
    }
    await rec.settle(root);
    expect(rec.source.stats()['tracked']).toBe(baseline + 42);

    await rm(join(root, 'a'), { recursive: true });
    await rename(join(root, 'b'), join(outside, 'b')); // out of the tree, with its files
    await rec.next(is(Action.FileDeleted, 'b/19'));
    await rec.settle(root);
    expect(rec.source.stats()['tracked']).toBe(baseline);
    expect(rec.log.filter((line) => line.startsWith('deleted')).length).toBe(42);
  });

  it('unsubscribing closes the watcher and the rename window timer and leaves no handle', async () => {
    const root = await tempDir();
    await writeFile(join(root, 'held.txt'), 'x');
    // Native watches are read on the watch thread: counted where they are opened.
    const watches = openWatches();
    const baseline = resources()['FSEventWrap'] ?? 0;
    const timers = trackTimers();
    // A long window: only closing, not the window passing, can release the timer within the test.
    const rec = new Recorder(fileSource(root, { renameWindow: 60_000 }));
    await rec.source.ready();
    expect(openWatches()).toBeGreaterThan(watches);

    // A delete is held for the rename window: its timer is running when we unsubscribe.
    const tracked = rec.source.stats()['tracked'] ?? 0;
    await unlink(join(root, 'held.txt'));
    await untilSettled(() => expect(rec.source.stats()['tracked']).toBe(tracked - 1));
    expect(timers.live()).toBeGreaterThan(0);
    rec.subscription.unsubscribe();
    expect(rec.source.status).toEqual({ kind: 'closed' });
    await untilSettled(() => {
      expect(openWatches()).toBe(watches);
      expect(resources()['FSEventWrap'] ?? 0).toBe(baseline);
      expect(timers.live()).toBe(0);
    });
    expect(rec.log).toEqual([]);
  });
});

describe('fileSource on single files (real files)', () => {
  it('sees an atomic save as one FileWritten, never a delete, and ignores the neighbours', async () => {
    const dir = await tempDir();
    const config = join(dir, 'config.json');
    await writeFile(config, '{}');
    const rec = new Recorder(fileSource([config, join(dir, 'barrier-0')]));
    await rec.source.ready();

    await atomicSave(config, '{"a":1}');
    await rec.next(is(Action.FileWritten, 'config.json'));
    await writeFile(join(dir, 'neighbour.txt'), 'x');
    await writeFile(config, '{"a":2}');
    await rec.next(() => rec.events.filter(is(Action.FileWritten, 'config.json')).length === 2);
    await rec.settle(dir, 'barrier-0');
    expect(rec.log).toEqual(['written config.json', 'written config.json']);
  });

  it('sees a backup-then-write save (vim) as one FileWritten', async () => {
    const dir = await tempDir();
    const config = join(dir, 'config.json');
    await writeFile(config, '{}');
    const rec = new Recorder(fileSource([config, join(dir, 'barrier-0')]));
    await rec.source.ready();

    await rename(config, `${config}~`);
    await writeFile(config, '{"a":1}');
    await unlink(`${config}~`);
    await rec.next(is(Action.FileWritten, 'config.json'));
    await rec.settle(dir, 'barrier-0');
    expect(rec.log).toEqual(['written config.json']);
  });

  it('reports the file renamed away as a FileRenamed, and a file renamed onto it as a FileCreated', async () => {
    const dir = await tempDir();
    const config = join(dir, 'config.json');
    await writeFile(config, '{}');
    const rec = new Recorder(fileSource([config, join(dir, 'barrier-0')]));
    await rec.source.ready();

    await rename(config, join(dir, 'config.json.bak'));
    const { event } = await rec.next((e) => e.action === Action.FileRenamed);
    expect(event).toMatchObject({
      actorName: 'config.json.bak',
      oldName: 'config.json',
      actorAttributes: { oldPath: config, root: dir },
    });
    await rename(join(dir, 'config.json.bak'), config);
    await rec.next(is(Action.FileCreated, 'config.json'));
    await unlink(config);
    await rec.next(is(Action.FileDeleted, 'config.json'));
    await rec.settle(dir, 'barrier-0');
    expect(rec.log).toEqual([
      'renamed config.json.bak <- config.json',
      'created config.json',
      'deleted config.json',
    ]);
  });

  it('watches a file that does not exist yet, even in a directory that does not exist yet', async () => {
    const dir = await tempDir();
    const config = join(dir, 'conf.d', 'later.json');
    const rec = new Recorder(fileSource(config));
    await rec.source.ready();
    await mkdir(join(dir, 'conf.d'));
    await writeFile(join(dir, 'conf.d', 'neighbour.json'), '{}');
    await writeFile(config, '{}');
    const { event } = await rec.next(is(Action.FileCreated, 'later.json'));
    expect(event).toMatchObject({
      actorId: config,
      actorAttributes: { root: join(dir, 'conf.d') },
    });
    await writeFile(config, '{"a":1}');
    await rec.next(is(Action.FileWritten, 'later.json'));
    expect(rec.log.filter((line, i, all) => line !== all[i - 1])).toEqual([
      'created later.json',
      'written later.json',
    ]);
  });
});
