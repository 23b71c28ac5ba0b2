import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OptionsError } from '../../../../lib/errors.ts';
import { Action } from '../../../../lib/events/action.ts';
import type { Event } from '../../../../lib/events/event.ts';
import type { JfsEvent } from '../../../../lib/jfs-protocol/jfs-message.ts';
import { Op } from '../../../../lib/jfs-protocol/op.ts';
import { createNotifyWatcher } from '../../../../lib/sources/jfs/create-notify-watcher.ts';
import { WatcherClosedError } from '../../../../lib/sources/jfs/jfs-client-errors.ts';
import { jfsSource } from '../../../../lib/sources/jfs/jfs-source.ts';
import { JfsWatcher } from '../../../../lib/sources/jfs/jfs-watcher.ts';
import { LocalNotifyWatcher } from '../../../../lib/sources/jfs/local-notify-watcher.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'jfs-local-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('createNotifyWatcher', () => {
  it('builds the remote watcher by default and refuses an unknown fs type', async () => {
    const remote = createNotifyWatcher({ server: '127.0.0.1:1', retry: () => 60_000, env: {} });
    cleanups.push(() => remote.close());
    expect(remote).toBeInstanceOf(JfsWatcher);
    expect(() => createNotifyWatcher({ env: { FS_TYPE: 'nfs' } })).toThrow(OptionsError);
    expect(() => createNotifyWatcher({ env: { FS_TYPE: 'nfs' } })).toThrow(/unknown fs type/);
  });

  it('with FS_TYPE=fs, watches real files non-recursively, key empty, no name check', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'sub'));
    const watcher = createNotifyWatcher({ name: 'a/b', paths: [dir], env: { FS_TYPE: 'fs' } });
    cleanups.push(() => watcher.close());
    expect(watcher).toBeInstanceOf(LocalNotifyWatcher);
    const events: JfsEvent[] = [];
    watcher.events$.subscribe((event) => events.push(event));
    await firstValueFrom(watcher.status$.pipe(filter((status) => status.kind === 'ready')));
    const file = join(dir, 'a.txt');
    await writeFile(file, 'one');
    await vi.waitFor(() => expect(events).toContainEqual({ name: file, op: Op.Create, key: '' }));
    await writeFile(file, 'two');
    await vi.waitFor(() => expect(events).toContainEqual({ name: file, op: Op.Write, key: '' }));
    await writeFile(join(dir, 'sub', 'deep.txt'), 'not watched: depth 0');
    await rm(file);
    await vi.waitFor(() => expect(events).toContainEqual({ name: file, op: Op.Remove, key: '' }));
    expect(events.some((event) => event.name.endsWith('deep.txt'))).toBe(false);
    expect(watcher.watchList()).toEqual([dir]);

    let completed = false;
    watcher.events$.subscribe({ complete: () => (completed = true) });
    const closing = watcher.close();
    expect(watcher.close()).toBe(closing);
    await closing;
    expect(completed).toBe(true);
    expect(() => watcher.add(dir)).toThrow(WatcherClosedError);
  });

  it('adds and removes paths after the start', async () => {
    const [one, two] = [await tempDir(), await tempDir()];
    const watcher = createNotifyWatcher({ paths: [one], fsType: 'fs', env: {} });
    cleanups.push(() => watcher.close());
    const events: JfsEvent[] = [];
    watcher.events$.subscribe((event) => events.push(event));
    await firstValueFrom(watcher.status$.pipe(filter((status) => status.kind === 'ready')));
    watcher.add(two);
    watcher.remove(one);
    expect(watcher.watchList()).toEqual([two]);
    // The added directory is watched once chokidar has scanned it: retry the write until seen.
    const file = join(two, 'x');
    await vi.waitFor(async () => {
      await writeFile(file, String(Date.now()));
      expect(events.some((event) => event.name === file)).toBe(true);
    });
    await writeFile(join(one, 'ignored'), '');
    await writeFile(join(two, 'seen'), '');
    await vi.waitFor(() =>
      expect(events.some((event) => event.name === join(two, 'seen'))).toBe(true),
    );
    expect(events.some((event) => event.name.startsWith(one))).toBe(false);
  });
});

describe('jfsSource with FS_TYPE=fs', () => {
  it('delivers local changes as file Events', async () => {
    const dir = await tempDir();
    const source = jfsSource({ paths: [dir], env: { FS_TYPE: 'fs' } });
    const events: Event[] = [];
    const subscription = source.subscribe((event) => events.push(event));
    cleanups.push(() => subscription.unsubscribe());
    await source.ready();
    const file = join(dir, 'config.yml');
    await writeFile(file, 'a: 1');
    await vi.waitFor(() =>
      expect(events.map((event) => event.action)).toContain(Action.FileCreated),
    );
    expect(events[0]).toMatchObject({
      type: 'file',
      actorName: file,
      actorId: file,
      actorAttributes: { key: '', op: 'CREATE', path: file },
    });
  });
});
