import {
  appendFile,
  mkdir,
  readFile,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { Action, type Event } from '../../../../lib/index.ts';
import { watchThread } from '../../../../lib/local-watcher/watch-thread.ts';
import { FileRootGoneError } from '../../../../lib/sources/file/file-errors.ts';
import { fileSource } from '../../../../lib/sources/file/file-source.ts';
import type { FileSourceOptions } from '../../../../lib/sources/file/file-source-options.ts';
import { Recorder, tempDir } from './support.ts';

const is =
  (action: Action, actorName: string) =>
  (event: Event): boolean =>
    event.action === action && event.actorName === actorName;

const modes: [string, FileSourceOptions][] = [
  ['native events', {}],
  ['polling', { polling: 25 }],
];

/**
 * A ConfigMap or Secret volume as the kubelet's AtomicWriter lays it out: the
 * payload in `..<timestamp>/`, `..data` a link to it, and each key a link to
 * `..data/<key>` that never changes.
 */
class KubeletVolume {
  readonly dir: string;
  #version = 0;
  #current: string | null = null;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** The first payload: the directory, `..data` and the key links. */
  async create(payload: Record<string, string>): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const stamped = await this.#writePayload(payload);
    await symlink(stamped, join(this.dir, '..data'));
    for (const key of Object.keys(payload)) {
      await symlink(join('..data', key), join(this.dir, key));
    }
    this.#current = stamped;
  }

  /**
   * One update, in the kubelet's order: write the new `..<timestamp>`
   * directory, point `..data_tmp` at it, rename `..data_tmp` over `..data`,
   * remove the old timestamped directory.
   */
  async update(payload: Record<string, string>): Promise<void> {
    const stamped = await this.#writePayload(payload);
    await symlink(stamped, join(this.dir, '..data_tmp'));
    await rename(join(this.dir, '..data_tmp'), join(this.dir, '..data'));
    if (this.#current !== null) await rm(join(this.dir, this.#current), { recursive: true });
    this.#current = stamped;
  }

  async #writePayload(payload: Record<string, string>): Promise<string> {
    const stamped = `..2026_12_06_00_00_${String(++this.#version).padStart(2, '0')}.${100000 + this.#version}`;
    await mkdir(join(this.dir, stamped));
    for (const [key, text] of Object.entries(payload)) {
      await writeFile(join(this.dir, stamped, key), text);
    }
    return stamped;
  }
}

describe('fileSource on a Kubernetes ConfigMap or Secret volume (the kubelet update sequence, real files)', () => {
  it.each(modes)(
    'watching one key as a single file: each update is one FileWritten of it (%s)',
    async (_mode, options) => {
      const volume = new KubeletVolume(join(await tempDir(), 'config'));
      await volume.create({ 'config.yaml': 'v: 0\n' });
      const config = join(volume.dir, 'config.yaml');
      const rec = new Recorder(fileSource([config, join(volume.dir, 'barrier-0')], options));
      await rec.source.ready();

      for (let v = 1; v <= 3; v++) {
        await volume.update({ 'config.yaml': `v: ${v}\n` });
        await rec.next(
          (event) =>
            is(Action.FileWritten, 'config.yaml')(event) &&
            rec.events.filter(is(Action.FileWritten, 'config.yaml')).length === v,
        );
        expect(await readFile(config, 'utf8')).toBe(`v: ${v}\n`);
      }
      await rec.settle(volume.dir, 'barrier-0');
      expect(rec.log).toEqual([
        'written config.yaml',
        'written config.yaml',
        'written config.yaml',
      ]);
      expect(rec.warnings).toEqual([]);
    },
  );

  it.each(modes)(
    'watching the mount directory: a written key is reported by its visible name, the ..entries are hidden (%s)',
    async (_mode, options) => {
      const volume = new KubeletVolume(join(await tempDir(), 'secret'));
      await volume.create({ username: 'admin', password: 'one', 'ca.crt': 'CA' });
      const rec = new Recorder(fileSource(volume.dir, options));
      await rec.source.ready();

      // Only the password changes: only it is written (the other keys get new inodes, same content).
      await volume.update({ username: 'admin', password: 'two', 'ca.crt': 'CA' });
      await rec.next(is(Action.FileWritten, 'password'));
      await rec.settle(volume.dir);
      expect(rec.log).toEqual(['written password']);

      await volume.update({ username: 'root', password: 'three', 'ca.crt': 'CA' });
      await volume.update({ username: 'root', password: 'three', 'ca.crt': 'CA2' });
      await rec.next(is(Action.FileWritten, 'ca.crt'));
      await rec.settle(volume.dir);
      expect(rec.log.slice(1).sort()).toEqual([
        'written ca.crt',
        'written password',
        'written username',
      ]);
      expect(rec.warnings).toEqual([]);
    },
  );

  it.each(modes)(
    'with reportDotDotEntries, the kubelet entries are reported too (%s)',
    async (_mode, options) => {
      const volume = new KubeletVolume(join(await tempDir(), 'config'));
      await volume.create({ 'config.yaml': 'v: 0\n' });
      const rec = new Recorder(fileSource(volume.dir, { ...options, reportDotDotEntries: true }));
      await rec.source.ready();
      await volume.update({ 'config.yaml': 'v: 1\n' });
      await rec.next(is(Action.FileWritten, 'config.yaml'));
      await rec.next(is(Action.FileDeleted, '..2026_12_06_00_00_01.100001'));
      await rec.settle(volume.dir);
      expect(rec.log).toEqual(
        expect.arrayContaining([
          'created ..2026_12_06_00_00_02.100002',
          'created ..2026_12_06_00_00_02.100002/config.yaml',
          'written config.yaml',
          'deleted ..2026_12_06_00_00_01.100001/config.yaml',
          'deleted ..2026_12_06_00_00_01.100001',
        ]),
      );
      expect(rec.log.some((line) => line.includes('..data'))).toBe(true);
    },
  );
});

describe('fileSource on a swapped symbolic link (current -> releases/N, real files)', () => {
  /** `releases/1` and `releases/2`, `current -> releases/1`. */
  async function releases(): Promise<string> {
    const dir = await tempDir();
    await mkdir(join(dir, 'releases', '1'), { recursive: true });
    await mkdir(join(dir, 'releases', '2'), { recursive: true });
    await writeFile(join(dir, 'releases', '1', 'app.conf'), 'release 1');
    await writeFile(join(dir, 'releases', '1', 'same.conf'), 'same');
    await writeFile(join(dir, 'releases', '1', 'old.conf'), 'only in 1');
    await writeFile(join(dir, 'releases', '2', 'app.conf'), 'release 2, longer');
    await writeFile(join(dir, 'releases', '2', 'same.conf'), 'same');
    await writeFile(join(dir, 'releases', '2', 'new.conf'), 'only in 2');
    await symlink(join('releases', '1'), join(dir, 'current'));
    return dir;
  }

  /** Points `current` at `releases/2` the way `ln -sfn` does it atomically: a new link renamed over. */
  async function swap(dir: string): Promise<void> {
    await symlink(join('releases', '2'), join(dir, 'current.tmp'));
    await rename(join(dir, 'current.tmp'), join(dir, 'current'));
  }

  it.each(modes)(
    'watching the link as a directory: the differences between the two targets (%s)',
    async (_mode, options) => {
      const dir = await releases();
      const rec = new Recorder(fileSource(join(dir, 'current'), options));
      await rec.source.ready();
      await swap(dir);
      await rec.next(is(Action.FileWritten, 'app.conf'));
      await rec.next(is(Action.FileDeleted, 'old.conf'));
      await rec.settle(join(dir, 'current'));
      expect(rec.log.sort()).toEqual([
        'created new.conf',
        'deleted old.conf',
        'written app.conf',
        'written same.conf', // another file with the same content: compared by identity
      ]);
      expect(rec.source.status.kind).toBe('ready');
    },
  );

  it.each(modes)(
    'watching a file through the link: written when the link leads to another version (%s)',
    async (_mode, options) => {
      const dir = await releases();
      const rec = new Recorder(
        fileSource([join(dir, 'current', 'app.conf'), join(dir, 'current', 'barrier-0')], options),
      );
      await rec.source.ready();
      await swap(dir);
      await rec.next(is(Action.FileWritten, 'app.conf'));
      await rec.settle(join(dir, 'current'), 'barrier-0');
      expect(rec.log).toEqual(['written app.conf']);
    },
  );

  it.each(modes)(
    'watching the directory holding the link: the link is written once (%s)',
    async (_mode, options) => {
      const dir = await releases();
      const rec = new Recorder(fileSource(dir, options));
      await rec.source.ready();
      await swap(dir);
      await rec.next(is(Action.FileWritten, 'current'));
      await rec.settle(dir);
      expect(rec.log.filter((line) => !line.includes('current.tmp'))).toEqual(['written current']);
    },
  );
});

describe('fileSource on a link to a file in the watched tree (real files)', () => {
  it.each(modes)(
    'a write of the target is reported for the link too (%s)',
    async (_mode, options) => {
      const root = await tempDir();
      await mkdir(join(root, 'configs'));
      await writeFile(join(root, 'configs', 'app.yaml'), 'a: 1\n');
      await symlink(join('configs', 'app.yaml'), join(root, 'app.yaml'));
      const rec = new Recorder(fileSource(root, options));
      await rec.source.ready();
      await writeFile(join(root, 'configs', 'app.yaml'), 'a: 2\n');
      await rec.next(is(Action.FileWritten, 'app.yaml'));
      await rec.settle(root);
      expect(rec.log.filter((line, i, all) => line !== all[i - 1]).sort()).toEqual([
        'written app.yaml',
        'written configs/app.yaml',
      ]);
    },
  );
});

describe('fileSource on paths that do not exist yet (real files)', () => {
  it.each(modes)(
    'a directory that appears later is watched with everything created in it (%s)',
    async (_mode, options) => {
      const dir = await tempDir();
      const later = join(dir, 'later');
      const rec = new Recorder(fileSource(later, options));
      await rec.source.ready();
      expect(rec.source.status.kind).toBe('ready');
      await mkdir(later);
      await rec.next(is(Action.FileCreated, 'later'));
      await writeFile(join(later, 'a.txt'), 'a');
      await rec.next(is(Action.FileCreated, 'later/a.txt'));
      await mkdir(join(later, 'sub'));
      await writeFile(join(later, 'sub', 'b.txt'), 'b');
      await rec.next(is(Action.FileCreated, 'later/sub/b.txt'));
      await writeFile(join(later, 'a.txt'), 'a, again');
      await rec.next(is(Action.FileWritten, 'later/a.txt'));
      await rec.settle(later);
      expect(rec.log.filter((line, i, all) => line !== all[i - 1])).toEqual([
        'created later',
        'created later/a.txt',
        'created later/sub',
        'created later/sub/b.txt',
        'written later/a.txt',
      ]);
    },
  );

  it.each(modes)(
    'a directory whose parent appears later too, made all at once and then filled (%s)',
    async (_mode, options) => {
      const dir = await tempDir();
      const parent = join(dir, 'parent');
      const later = join(parent, 'later');
      const rec = new Recorder(fileSource(later, options));
      await rec.source.ready();
      await mkdir(join(later, 'deep'), { recursive: true });
      await writeFile(join(later, 'deep', 'first.txt'), 'made with its parents');
      await rec.next(is(Action.FileCreated, 'later/deep/first.txt'));
      await writeFile(join(later, 'second.txt'), 'made after');
      await rec.next(is(Action.FileCreated, 'later/second.txt'));
      await rec.settle(later);
      expect(rec.log.filter((line, i, all) => line !== all[i - 1]).sort()).toEqual([
        'created later',
        'created later/deep',
        'created later/deep/first.txt',
        'created later/second.txt',
      ]);
      // The neighbours of the watched path are not reported.
      await writeFile(join(parent, 'neighbour.txt'), 'x');
      await rec.settle(later);
      expect(rec.log).not.toContain('created neighbour.txt');
    },
  );
});

describe('fileSource on a watched directory deleted and created again (real files)', () => {
  it.each(modes)(
    'reports the deletion, says so in its status while gone, and watches it again (%s)',
    async (_mode, options) => {
      const dir = await tempDir();
      const root = join(dir, 'watched');
      await mkdir(root);
      await writeFile(join(root, 'file-0.txt'), '0');
      const rec = new Recorder(fileSource(root, options));
      await rec.source.ready();

      for (let round = 1; round <= 3; round++) {
        const from = rec.events.length;
        const log = (): string[] => rec.log.slice(from);
        await rm(root, { recursive: true });
        await rec.next(
          (event) => is(Action.FileDeleted, '.')(event) && log().includes('deleted .'),
        );
        await vi.waitFor(() => expect(rec.source.status.kind).toBe('reconnecting'), {
          interval: 5,
        });
        const status = rec.source.status;
        expect(status.kind === 'reconnecting' && status.error).toBeInstanceOf(FileRootGoneError);
        // No timer: it waits for the root. The first failure since ready, every round.
        expect(status).toMatchObject({ attempt: 1, delayMs: 0 });
        await vi.waitFor(() => expect(log()).toContain(`deleted file-${round - 1}.txt`), {
          interval: 5,
        });

        await mkdir(root);
        await writeFile(join(root, `file-${round}.txt`), String(round));
        await vi.waitFor(() => expect(log()).toContain(`created file-${round}.txt`), {
          interval: 5,
        });
        expect(rec.source.status.kind).toBe('ready');
        await rec.settle(root);
        expect(log().sort()).toEqual([
          'created .',
          `created file-${round}.txt`,
          'deleted .',
          `deleted file-${round - 1}.txt`,
        ]);
      }
      expect(rec.warnings.map((warning) => warning.name)).toEqual([
        'FileRootGoneError',
        'FileRootGoneError',
        'FileRootGoneError',
      ]);
      expect(rec.warnings[0]?.message).toContain(root);
    },
  );
});

describe('fileSource ignored globs (real files)', () => {
  it.each(modes)(
    "leaves out what 'node_modules', '**/*.log' and '.git/**' name, at any depth (%s)",
    async (_mode, options) => {
      const root = await tempDir();
      await mkdir(join(root, 'app', 'node_modules', 'dep'), { recursive: true });
      await mkdir(join(root, '.git', 'refs'), { recursive: true });
      const rec = new Recorder(
        fileSource(root, { ...options, ignored: ['node_modules', '**/*.log', '.git/**'] }),
      );
      await rec.source.ready();
      await writeFile(join(root, 'app', 'node_modules', 'dep', 'index.js'), 'x');
      await mkdir(join(root, 'node_modules'));
      await writeFile(join(root, 'app', 'debug.log'), 'x');
      await writeFile(join(root, 'top.log'), 'x');
      await writeFile(join(root, '.git', 'refs', 'main'), 'x');
      await writeFile(join(root, '.git', 'HEAD'), 'x');
      await writeFile(join(root, 'app', 'index.js'), 'x');
      await rec.next(is(Action.FileCreated, 'app/index.js'));
      await rec.settle(root);
      expect(rec.log).toEqual(['created app/index.js']);
    },
  );
});

describe('fileSource when the watch thread dies (real files)', () => {
  it('polls the directories it watched there, with a warning: nothing goes silent', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'sub'));
    const rec = new Recorder(fileSource(root));
    await rec.source.ready();
    const thread = watchThread();
    if (thread === null) throw new Error('this spec needs the watch thread (Linux, not disabled)');
    await thread.terminate();
    await vi.waitFor(
      () => expect(rec.warnings.map((w) => w.name)).toContain('FileWatchFallbackError'),
      {
        interval: 5,
      },
    );
    expect(rec.warnings.find((w) => w.name === 'FileWatchFallbackError')?.message).toContain(
      'the watch thread exited',
    );
    await writeFile(join(root, 'sub', 'after.txt'), 'x');
    await rec.next(is(Action.FileCreated, 'sub/after.txt'));
    expect(watchThread()).toBeNull();
  });
});

describe('fileSource with awaitWriteFinish (the local tree, not chokidar, on Linux)', () => {
  it('reports a file written in chunks once, when settled, in a directory that appeared late', async () => {
    const dir = await tempDir();
    const later = join(dir, 'uploads');
    const rec = new Recorder(
      fileSource(later, { awaitWriteFinish: { stabilityThreshold: 300, pollInterval: 20 } }),
    );
    await rec.source.ready();
    await mkdir(later);
    await rec.next(is(Action.FileCreated, 'uploads'));
    const file = join(later, 'upload.bin');
    await writeFile(file, Buffer.alloc(1024));
    await appendFile(file, Buffer.alloc(1024));
    await appendFile(file, Buffer.alloc(1024));
    const { event } = await rec.next(is(Action.FileCreated, 'uploads/upload.bin'));
    expect(event.actorId).toBe(file);
    expect((await stat(file)).size).toBe(3072);
    await rm(later, { recursive: true });
    await rec.next(is(Action.FileDeleted, 'uploads'));
    await rec.next(is(Action.FileDeleted, 'uploads/upload.bin'));
    expect(rec.log.slice(0, 2)).toEqual(['created uploads', 'created uploads/upload.bin']);
    expect(rec.log.slice(2).sort()).toEqual(['deleted uploads', 'deleted uploads/upload.bin']);
  });
});
