// EventQueue's holdWhile against real files: the stat check (node:fs) when a window would close,
// and the events naming the lock, in virtual time (only the files are real).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Event, HoldTimeoutWarning, type QueueError } from '../../../lib/index.ts';
import { fileEvent } from '../../../lib/testing/index.ts';
import { marbles } from '../../support/marbles.ts';

let dir: string;
let lock: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'batchwatch-hold-'));
  lock = join(dir, 'index.lock');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('EventQueue holdWhile (real files, virtual time)', () => {
  it('holds while the listed file exists, found by a stat check; a fresh window after it goes', () => {
    const x = fileEvent.written(join(dir, 'x'));
    const y = fileEvent.written(join(dir, 'y'));
    marbles(({ at, cold, expectObservable, queue }) => {
      writeFileSync(lock, '');
      const q = queue({ flushInterval: 3, holdWhile: [lock] });
      q.start(cold('x---y', { x, y }));
      at(7, () => rmSync(lock));
      // Checks at 3 and 6 find the lock; 9 finds it gone: a fresh window, 12.
      expectObservable(q.flushes$).toBe('------------b', { b: [x, y] });
    });
  });

  it('resolves a relative path against the current directory', () => {
    const x = fileEvent.written(join(dir, 'x'));
    marbles(({ at, cold, expectObservable, queue }) => {
      writeFileSync(lock, '');
      const q = queue({ flushInterval: 3, holdWhile: [relative(process.cwd(), lock)] });
      q.start(cold('x', { x }));
      at(4, () => rmSync(lock));
      expectObservable(q.flushes$).toBe('---------b', { b: [x] });
    });
  });

  it('learns a lock from the events, and the stat check confirms it while it exists', () => {
    const created = fileEvent.created(lock);
    const x = fileEvent.written(join(dir, 'x'));
    const gone = fileEvent.deleted(lock);
    marbles(({ at, cold, expectObservable, queue }) => {
      const q = queue({ flushInterval: 3, holdWhile: (path) => path.endsWith('.lock') });
      at(0, () => writeFileSync(lock, ''));
      at(8, () => rmSync(lock));
      q.start(cold('l-x------g', { l: created, x, g: gone }));
      // Held from the event at 0; checks at 3 and 6 find the file; its deletion (9) releases.
      expectObservable(q.flushes$).toBe('------------b', { b: [created, x, gone] });
    });
  });

  it('a stale lock: the batch goes after maxHold with a HoldTimeoutWarning naming the file', () => {
    const errors: QueueError[] = [];
    const x = fileEvent.written(join(dir, 'x'));
    marbles(({ cold, expectObservable, queue }) => {
      writeFileSync(lock, '');
      const q = queue({
        flushInterval: 3,
        holdWhile: [lock],
        maxHold: 10,
        onError: (error) => errors.push(error),
      });
      q.start(cold('x', { x }));
      // Held from the first check (3): 10 later it expires.
      expectObservable(q.flushes$).toBe('-------------b', { b: [x] as Event[] });
    });
    expect(errors).toEqual([expect.any(HoldTimeoutWarning)]);
    expect(errors[0]).toMatchObject({ holds: [lock] });
  });
});
