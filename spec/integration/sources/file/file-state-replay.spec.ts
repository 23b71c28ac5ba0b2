// The file source proven exact: a seeded random burst of creates, writes, deletes and renames of
// files and directories (and whole-directory deletes) on a 20,000-file tree, with no pause; then
// the tree rebuilt from the events alone is compared with a walk of the disk.
import { mkdirSync, readdirSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Action, type Event } from '../../../../lib/index.ts';
import { fileSource } from '../../../../lib/sources/file/file-source.ts';
import { Recorder, tempDir } from './support.ts';

type Kind = 'file' | 'directory';

/** A small seeded PRNG (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Paths with O(1) add, remove and random pick. */
class Pool {
  readonly items: string[] = [];
  readonly #index = new Map<string, number>();
  add(path: string): void {
    this.#index.set(path, this.items.length);
    this.items.push(path);
  }
  remove(path: string): void {
    const i = this.#index.get(path);
    if (i === undefined) return;
    const last = this.items.pop() as string;
    this.#index.delete(path);
    if (last !== path) {
      this.items[i] = last;
      this.#index.set(last, i);
    }
  }
  pick(next: () => number): string | undefined {
    return this.items[Math.floor(next() * this.items.length)];
  }
}

/** Every path below `root` and its kind, from the disk. */
function walk(root: string): Map<string, Kind> {
  const found = new Map<string, Kind>();
  const stack = [root];
  while (stack.length > 0) {
    const dir = stack.pop() as string;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      found.set(path, entry.isDirectory() ? 'directory' : 'file');
      if (entry.isDirectory()) stack.push(path);
    }
  }
  return found;
}

const below = (path: string, dir: string): boolean => path.startsWith(`${dir}/`);

/** Applies one event to the model: a delete or rename of a directory takes its tree along. */
function apply(model: Map<string, Kind>, event: Event): void {
  const path = event.actorId;
  const kind = event.actorAttributes['kind'] as Kind;
  const oldPath = event.actorAttributes['oldPath'];
  switch (event.action) {
    case Action.FileCreated:
    case Action.FileWritten:
      model.set(path, kind);
      return;
    case Action.FileDeleted:
      model.delete(path);
      if (kind !== 'directory') return;
      for (const known of [...model.keys()]) if (below(known, path)) model.delete(known);
      return;
    case Action.FileRenamed: {
      if (oldPath !== undefined && model.has(oldPath)) {
        model.delete(oldPath);
        if (kind !== 'directory') {
          model.set(path, kind);
          return;
        }
        for (const [known, k] of [...model]) {
          if (!below(known, oldPath)) continue;
          model.delete(known);
          model.set(path + known.slice(oldPath.length), k);
        }
      }
      model.set(path, kind);
      return;
    }
  }
}

describe('fileSource state replay (real files)', () => {
  it.each([[1], [2]])(
    'rebuilds the exact tree from the events of a random burst on 20,000 files (seed %i)',
    async (seed) => {
      const root = await tempDir();
      const next = random(seed);
      const files = new Pool();
      const dirs = new Pool();
      for (let d = 0; d < 200; d++) {
        const dir = join(root, `d${d}`);
        mkdirSync(dir);
        dirs.add(dir);
        for (let f = 0; f < 100; f++) {
          writeFileSync(join(dir, `f${f}`), 'x');
          files.add(join(dir, `f${f}`));
        }
      }
      const rec = new Recorder(fileSource(root));
      await rec.source.ready();
      const model = walk(root);

      let made = 0;
      const fresh = (): string => `n${made++}`;
      const dropTree = (dir: string): void => {
        for (const path of [...files.items]) if (below(path, dir)) files.remove(path);
        for (const path of [...dirs.items]) if (below(path, dir)) dirs.remove(path);
        dirs.remove(dir);
      };
      const operations = [
        () => {
          const path = join(dirs.pick(next) ?? root, fresh());
          writeFileSync(path, 'new');
          files.add(path);
        },
        () => {
          const path = files.pick(next);
          if (path !== undefined) writeFileSync(path, `written ${made++}`);
        },
        () => {
          const path = files.pick(next);
          if (path === undefined) return;
          unlinkSync(path);
          files.remove(path);
        },
        () => {
          const path = files.pick(next);
          if (path === undefined) return;
          const to = join(dirs.pick(next) ?? root, fresh());
          renameSync(path, to);
          files.remove(path);
          files.add(to);
        },
        () => {
          const path = join(dirs.pick(next) ?? root, fresh());
          mkdirSync(path);
          dirs.add(path);
        },
        () => {
          const dir = dirs.pick(next);
          const into = dirs.pick(next) ?? root;
          if (dir === undefined || into === dir || below(into, dir)) return;
          const to = join(into, fresh());
          const movedFiles = files.items.filter((path) => below(path, dir));
          const movedDirs = dirs.items.filter((path) => below(path, dir));
          renameSync(dir, to);
          dropTree(dir);
          dirs.add(to);
          for (const path of movedFiles) files.add(to + path.slice(dir.length));
          for (const path of movedDirs) dirs.add(to + path.slice(dir.length));
        },
        () => {
          // Whole-directory deletes, rarer: they take many files at once.
          if (next() > 0.2) return;
          const dir = dirs.pick(next);
          if (dir === undefined) return;
          rmSync(dir, { recursive: true });
          dropTree(dir);
        },
      ];
      // Three bursts of 2,000 operations with no pause inside, one event-loop turn between them.
      for (let burst = 0; burst < 3; burst++) {
        for (let i = 0; i < 2000; i++) {
          (operations[Math.floor(next() * operations.length)] as () => void)();
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      await rec.settle(root);

      for (const event of rec.events) apply(model, event);
      const disk = walk(root);
      const missing = [...disk.keys()].filter((path) => !model.has(path));
      const phantom = [...model.keys()].filter((path) => !disk.has(path));
      const mistyped = [...disk].filter(
        ([path, kind]) => model.has(path) && model.get(path) !== kind,
      );
      expect({ missing, phantom, mistyped }).toEqual({ missing: [], phantom: [], mistyped: [] });
      expect(rec.events.length).toBeGreaterThan(5000);
      expect(rec.warnings).toEqual([]);
    },
    300_000,
  );
});
