// holdWhile's engine in virtual time, with the stat check faked by a set of present paths: a lock
// file inside the watched tree is learned from the events themselves (in order with the changes it
// guards); one the events do not tell of is found by the stat check when a window would close.
import { describe, expect, it } from 'vitest';
import type { Event } from '../../../lib/index.ts';
import { resolveBatchOptions } from '../../../lib/queue/batch-options.ts';
import { Batcher } from '../../../lib/queue/batcher.ts';
import { FileHold, type HoldWhile } from '../../../lib/queue/file-hold.ts';
import { HoldSet } from '../../../lib/queue/hold-set.ts';
import { QueueCounters } from '../../../lib/queue/queue-counters.ts';
import { fileEvent, forceReload, type VirtualTime } from '../../../lib/testing/index.ts';
import { marbles } from '../../support/marbles.ts';

const lock = '/repo/.git/index.lock';
const x = fileEvent.written('/repo/x');
const y = fileEvent.created('/repo/y');
const z = fileEvent.deleted('/repo/z');
const locked = fileEvent.created(lock);
const unlocked = fileEvent.renamed(lock, '/repo/.git/index'); // how git ends its lock
const values = { x, y, z, l: locked, u: unlocked, f: forceReload('file') };

interface Harness {
  /** The batches, with the frame each was emitted at. */
  readonly batches: { at: number; events: readonly Event[] }[];
  /** Holds that expired, with the frame. */
  readonly expired: { at: number; names: readonly string[] }[];
  /** What the fake stat check answers: the paths that exist. */
  readonly present: Set<string>;
}

/** An EventQueue's intake in small: FileHold sees each event, then the engine stores it. */
function held(
  vt: VirtualTime,
  marbles: string,
  holdWhile: HoldWhile | null,
  maxHold = 1_000,
): Harness {
  const { cold, timers } = vt;
  const harness: Harness = { batches: [], expired: [], present: new Set() };
  const holds = new HoldSet(maxHold, () => timers.now());
  const options = resolveBatchOptions({ flushInterval: 3, scheduler: timers });
  const engine = new Batcher(
    options,
    new QueueCounters(),
    {
      emit: (taken) => harness.batches.push({ at: timers.now(), events: taken.events }),
      overflow: () => {},
      drained: () => {},
      emptied: () => {},
      holdExpired: (names) => harness.expired.push({ at: timers.now(), names }),
    },
    holds,
  );
  const fileHold =
    holdWhile === null ? null : new FileHold(holdWhile, holds, (path) => harness.present.has(path));
  cold(marbles, values).subscribe((event) => {
    fileHold?.observe(event);
    engine.add(event);
  });
  return harness;
}

describe('holdWhile (FileHold on the engine)', () => {
  // x, then git: lock created, three changes, lock renamed onto the index, one trailing change.
  const checkout = 'x-l-y-z-x-y-z-u-x';

  it('without it, a checkout is cut into windows while git is still writing', () => {
    const run = marbles((vt) => held(vt, checkout, null));
    expect(run.batches.map((batch) => batch.at)).toEqual([3, 7, 11, 15, 19]);
  });

  it('learns the lock from the events: one batch, a fresh window after the lock is gone', () => {
    const run = marbles((vt) => {
      const harness = held(vt, checkout, [lock]);
      vt.at(2, () => harness.present.add(lock));
      vt.at(14, () => harness.present.delete(lock));
      return harness;
    });
    expect(run.batches).toEqual([{ at: 17, events: [x, locked, y, z, x, y, z, unlocked, x] }]);
    expect(run.expired).toEqual([]);
  });

  it('a stat check that finds the lock gone releases before the watcher reports it', () => {
    // git removed the lock at 8; the watcher lags and reports the rename at 14.
    const run = marbles((vt) => {
      const harness = held(vt, checkout, [lock]);
      vt.at(2, () => harness.present.add(lock));
      vt.at(8, () => harness.present.delete(lock));
      return harness;
    });
    // Checks at 3 and 6 hold; 9 finds it gone: a fresh window to 12; the late rest is a new batch.
    expect(run.batches).toEqual([
      { at: 12, events: [x, locked, y, z, x, y, z] },
      { at: 17, events: [unlocked, x] },
    ]);
  });

  it('finds a lock no event tells of (outside the tree, or older than the watch) by a stat check', () => {
    const run = marbles((vt) => {
      const harness = held(vt, 'x---y---z', [lock]);
      harness.present.add(lock);
      vt.at(7, () => harness.present.delete(lock));
      return harness;
    });
    // Closing at 3 and 6 finds the lock; 9 finds it gone: a fresh window, 12.
    expect(run.batches).toEqual([{ at: 12, events: [x, y, z] }]);
  });

  it('with a predicate, holds on the changed files it accepts, checking those it saw', () => {
    const run = marbles((vt) => {
      const harness = held(vt, 'l-x-y', (path) => path.endsWith('.lock'));
      harness.present.add(lock);
      vt.at(7, () => harness.present.delete(lock)); // removed, and the event is lost
      return harness;
    });
    expect(run.batches).toEqual([{ at: 12, events: [locked, x, y] }]);
  });

  it('checks at once on a ForceReload (a gap: the removal may be in it)', () => {
    const run = marbles((vt) => {
      const harness = held(vt, 'l----f', [lock]);
      harness.present.add(lock);
      vt.at(4, () => harness.present.delete(lock));
      return harness;
    });
    // The check at the ForceReload (5) releases: a fresh window, 8 (not 9 via the check at 6).
    expect(run.batches).toEqual([{ at: 8, events: [locked, values.f] }]);
  });

  it('a stale lock holds one batch for maxHold, with a warning, and then no more', () => {
    const run = marbles((vt) => {
      const harness = held(vt, 'l-x-------------y', [lock], 10);
      harness.present.add(lock);
      return harness;
    });
    expect(run.expired).toEqual([{ at: 10, names: [lock] }]);
    expect(run.batches).toEqual([
      { at: 10, events: [locked, x] },
      { at: 19, events: [y] },
    ]);
  });
});
