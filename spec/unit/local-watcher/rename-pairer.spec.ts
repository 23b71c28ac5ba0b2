import { describe, expect, it } from 'vitest';
import { Action } from '../../../lib/index.ts';
import {
  type FileChange,
  type FileObservation,
  FileOp,
  RenamePairer,
} from '../../../lib/local-watcher/rename-pairer.ts';
import { type VirtualTime, virtualTime } from '../../../lib/testing/index.ts';

const WINDOW = 100;

interface Harness {
  readonly pairer: RenamePairer;
  readonly changes: FileChange[];
  /** Observes at virtual time `at`. */
  readonly observe: (
    at: number,
    op: FileOp,
    path: string,
    identity?: string,
    dir?: boolean,
  ) => void;
}

/** Runs `body` in virtual time with a pairer whose window is {@link WINDOW} ms. */
function run(
  body: (harness: Harness, vt: VirtualTime) => void,
  window = WINDOW,
  unlinkDelay = 0,
): FileChange[] {
  const changes: FileChange[] = [];
  virtualTime((vt) => {
    const pairer = new RenamePairer({ window, unlinkDelay, scheduler: vt.timers }, (change) =>
      changes.push(change),
    );
    const observe: Harness['observe'] = (at, op, path, identity, dir = false) => {
      const observation: FileObservation = { op, path, dir, identity, time: at };
      vt.at(at, () => pairer.observe(observation));
    };
    body({ pairer, changes, observe }, vt);
  });
  return changes;
}

const created = (path: string, time: number, dir = false): FileChange => ({
  action: Action.FileCreated,
  path,
  dir,
  time,
});
const written = (path: string, time: number): FileChange => ({
  action: Action.FileWritten,
  path,
  dir: false,
  time,
});
const deleted = (path: string, time: number, dir = false): FileChange => ({
  action: Action.FileDeleted,
  path,
  dir,
  time,
});
const renamed = (oldPath: string, path: string, time: number, dir = false): FileChange => ({
  action: Action.FileRenamed,
  path,
  oldPath,
  dir,
  time,
});

describe('RenamePairer', () => {
  it('maps add, change and unlink of unknown identity to created, written and deleted at once', () => {
    const changes = run(({ observe, changes }, { at }) => {
      observe(0, FileOp.Add, '/r/a', 'i1');
      observe(1, FileOp.Change, '/r/a', 'i1');
      observe(2, FileOp.Add, '/r/d', 'i2', true);
      observe(3, FileOp.Unlink, '/r/unknown');
      at(3, () => expect(changes).toHaveLength(4));
    });
    expect(changes).toEqual([
      created('/r/a', 0),
      written('/r/a', 1),
      created('/r/d', 2, true),
      deleted('/r/unknown', 3),
    ]);
  });

  it('pairs an unlink and a later add of the same identity into one rename (polling order)', () => {
    const changes = run(({ pairer, observe }, { at, timers }) => {
      pairer.seed('/r/a', false, 'i1');
      observe(10, FileOp.Unlink, '/r/a');
      observe(60, FileOp.Add, '/r/b', 'i1');
      at(61, () => expect(timers.active).toBe(0));
      at(500, () => expect(pairer.tracked).toBe(1));
    });
    expect(changes).toEqual([renamed('/r/a', '/r/b', 10)]);
  });

  it('pairs an add and a later unlink of the same identity into one rename (native order)', () => {
    const changes = run(({ pairer, observe, changes }, { at, timers }) => {
      pairer.seed('/r/a', false, 'i1');
      observe(10, FileOp.Add, '/r/b', 'i1');
      at(50, () => expect(changes).toEqual([]));
      observe(90, FileOp.Unlink, '/r/a');
      at(91, () => expect(timers.active).toBe(0));
    });
    expect(changes).toEqual([renamed('/r/a', '/r/b', 10)]);
  });

  it("holds an add longer than an unlink by the watcher's own unlink delay", () => {
    const changes = run(
      ({ pairer, observe, changes }, { at, timers }) => {
        pairer.seed('/r/a', false, 'i1');
        pairer.seed('/r/x', false, 'i2');
        observe(0, FileOp.Add, '/r/b', 'i1'); // held until 0 + 100 + 50
        observe(10, FileOp.Unlink, '/r/x'); // held until 10 + 100: earlier, the timer is moved
        at(111, () => expect(changes).toEqual([deleted('/r/x', 10)]));
        observe(140, FileOp.Unlink, '/r/a'); // 140 ms after the add: paired thanks to the delay
        at(141, () => expect(timers.active).toBe(0));
      },
      WINDOW,
      50,
    );
    expect(changes).toEqual([deleted('/r/x', 10), renamed('/r/a', '/r/b', 0)]);
  });

  it('reports a delete once the window passes without an add (a rename out of the tree)', () => {
    const changes = run(({ pairer, observe, changes }, { at }) => {
      pairer.seed('/r/a', false, 'i1');
      observe(10, FileOp.Unlink, '/r/a');
      at(10 + WINDOW - 1, () => expect(changes).toEqual([]));
      // Checks scheduled for the timer's own frame run before it: look one frame later.
      at(10 + WINDOW + 1, () => expect(changes).toEqual([deleted('/r/a', 10)]));
      // Too late to pair: a new file that happens to carry the identity.
      observe(10 + WINDOW + 2, FileOp.Add, '/r/b', 'i1');
    });
    expect(changes).toEqual([deleted('/r/a', 10), created('/r/b', 10 + WINDOW + 2)]);
  });

  it('reports a rename into the tree (an identity it never saw) as a create at once', () => {
    const changes = run(({ pairer, observe }) => {
      pairer.seed('/r/a', false, 'i1');
      observe(5, FileOp.Add, '/r/in', 'outside');
    });
    expect(changes).toEqual([created('/r/in', 5)]);
  });

  it('reports an add of a known identity with no unlink (a hard link) as a create after the window', () => {
    const changes = run(({ pairer, observe, changes }, { at }) => {
      pairer.seed('/r/a', false, 'i1');
      observe(0, FileOp.Add, '/r/link', 'i1');
      at(WINDOW - 1, () => expect(changes).toEqual([]));
      // The original and the link are both known now: unlinking one of them is a plain delete.
      at(WINDOW + 1, () => expect(pairer.tracked).toBe(2));
    });
    expect(changes).toEqual([created('/r/link', 0)]);
  });

  it('keeps order per path: a new observation of a path first settles what is held for it', () => {
    const changes = run(({ pairer, observe }) => {
      pairer.seed('/r/a', false, 'i1');
      observe(0, FileOp.Unlink, '/r/a');
      observe(20, FileOp.Add, '/r/a', 'i2'); // recreated, a new file
      pairer.seed('/r/b', false, 'i3');
      observe(30, FileOp.Add, '/r/c', 'i3'); // held: b may be renamed to c
      observe(40, FileOp.Change, '/r/c', 'i3'); // c moves on: settle it as a create first
    });
    expect(changes).toEqual([
      deleted('/r/a', 0),
      created('/r/a', 20),
      created('/r/c', 30),
      written('/r/c', 40),
    ]);
  });

  it('sees an atomic save through the directory as a write of the file, never a rename or delete of it', () => {
    // chokidar (atomic on): add tmp, change file (now with tmp's inode), unlink tmp after 100 ms.
    const changes = run(({ pairer, observe }) => {
      pairer.seed('/r/config.json', false, 'old');
      observe(0, FileOp.Add, '/r/config.json.tmp', 'new');
      observe(1, FileOp.Change, '/r/config.json', 'new');
      observe(100, FileOp.Unlink, '/r/config.json.tmp');
    });
    expect(changes).toEqual([
      created('/r/config.json.tmp', 0),
      written('/r/config.json', 1),
      deleted('/r/config.json.tmp', 100),
    ]);
  });

  it('pairs a directory rename and the renames of its entries', () => {
    const changes = run(({ pairer, observe }) => {
      pairer.seed('/r/sub', true, 'd1');
      pairer.seed('/r/sub/c', false, 'f1');
      observe(0, FileOp.Unlink, '/r/sub', undefined, true);
      observe(1, FileOp.Add, '/r/sub2', 'd1', true);
      observe(2, FileOp.Add, '/r/sub2/c', 'f1');
      observe(100, FileOp.Unlink, '/r/sub/c');
    });
    expect(changes).toEqual([
      renamed('/r/sub', '/r/sub2', 0, true),
      renamed('/r/sub/c', '/r/sub2/c', 2),
    ]);
  });

  it('runs one timer for any number of held deletes, releases them in order, and none while idle', () => {
    const count = 1000;
    const changes = run(({ pairer, observe }, { at, timers }) => {
      for (let i = 0; i < count; i++) pairer.seed(`/r/${i}`, false, `i${i}`);
      for (let i = 0; i < count; i++) observe(i % 50, FileOp.Unlink, `/r/${i}`);
      at(49, () => {
        expect(pairer.held).toBe(count);
        expect(timers.active).toBe(1);
      });
      at(50 + WINDOW, () => {
        expect(pairer.held).toBe(0);
        expect(timers.active).toBe(0);
        expect(pairer.tracked).toBe(0);
      });
    });
    expect(changes).toHaveLength(count);
    expect(changes.every((change) => change.action === Action.FileDeleted)).toBe(true);
    const times = changes.map((change) => change.time);
    expect(times).toEqual([...times].sort((x, y) => x - y));
  });

  it('forgets every path that is deleted: memory is bounded by what exists', () => {
    run(({ pairer, observe }, { at }) => {
      observe(0, FileOp.Add, '/r/a', 'i1');
      observe(0, FileOp.Add, '/r/b', 'i2');
      observe(1, FileOp.Change, '/r/a', 'i3'); // replaced by an atomic save: one entry still
      at(2, () => expect(pairer.tracked).toBe(2));
      observe(3, FileOp.Unlink, '/r/a');
      observe(3, FileOp.Unlink, '/r/b');
      at(4, () => expect(pairer.tracked).toBe(0));
    });
  });

  it('with a window of 0 pairs nothing and holds nothing', () => {
    const changes = run(({ pairer, observe }, { at, timers }) => {
      pairer.seed('/r/a', false, 'i1');
      observe(0, FileOp.Unlink, '/r/a');
      observe(0, FileOp.Add, '/r/b', 'i1');
      at(0, () => expect(timers.active).toBe(0));
    }, 0);
    expect(changes).toEqual([deleted('/r/a', 0), created('/r/b', 0)]);
  });

  it('close() drops what is held, stops the timer and ignores later observations', () => {
    const changes = run(({ pairer, observe }, { at, timers }) => {
      pairer.seed('/r/a', false, 'i1');
      observe(0, FileOp.Unlink, '/r/a');
      at(10, () => {
        expect(timers.active).toBe(1);
        pairer.close();
        pairer.close();
        expect(timers.active).toBe(0);
      });
      observe(20, FileOp.Add, '/r/b', 'i2');
    });
    expect(changes).toEqual([]);
  });
});
