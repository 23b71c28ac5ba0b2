import { describe, expect, it } from 'vitest';
import { FileOp } from '../../../lib/local-watcher/rename-pairer.ts';
import { TransientEntries } from '../../../lib/local-watcher/transient-entries.ts';
import type { TreeSink } from '../../../lib/local-watcher/tree-watcher.ts';

/** A sink that only records the changes reported to it. */
function recorder(): { sink: TreeSink; changes: string[] } {
  const changes: string[] = [];
  const sink: TreeSink = {
    found: () => {},
    changed: (op, path) => changes.push(`${op === FileOp.Add ? 'add' : 'unlink'} ${path}`),
    tracked: () => {},
    scanned: () => {},
    warn: () => {},
    ready: () => {},
    present: () => {},
  };
  return { sink, changes };
}

describe('TransientEntries', () => {
  it('reports each short life once, whatever turns its events come in', async () => {
    const { sink, changes } = recorder();
    const transient = new TransientEntries(sink);
    transient.seen('/d/a', 'rename'); // created
    transient.seen('/d/a', 'change'); // written
    // The watch thread sends its events in groups: the removal may come in a later turn.
    await new Promise((resolve) => setImmediate(resolve));
    transient.seen('/d/a', 'rename'); // removed
    expect(changes).toEqual(['add /d/a', 'unlink /d/a']);
    // The next life of the same name is reported again.
    transient.seen('/d/a', 'rename');
    transient.seen('/d/a', 'rename');
    expect(changes).toEqual(['add /d/a', 'unlink /d/a', 'add /d/a', 'unlink /d/a']);
  });

  it('forgets a life whose path exists again before its ending event came', () => {
    const { sink, changes } = recorder();
    const transient = new TransientEntries(sink);
    transient.seen('/d/a', 'rename');
    // Its removal's event was looked at while a new file had the name: the tree reported that one.
    transient.exists('/d/a');
    transient.seen('/d/a', 'rename'); // a later short life
    expect(changes).toEqual(['add /d/a', 'unlink /d/a', 'add /d/a', 'unlink /d/a']);
  });

  it("takes the ending rename of a known file found gone by a write as that life's end", () => {
    const { sink, changes } = recorder();
    const transient = new TransientEntries(sink);
    // The tree reported the removal when the write's event found the file gone.
    transient.ending('/d/a');
    transient.seen('/d/a', 'rename'); // the removal's own event
    expect(changes).toEqual([]);
    transient.seen('/d/a', 'rename'); // a new short life
    transient.seen('/d/a', 'rename');
    expect(changes).toEqual(['add /d/a', 'unlink /d/a']);
  });

  it('forgets the endings awaited below a directory that is gone (their events will not come)', () => {
    const { sink, changes } = recorder();
    const transient = new TransientEntries(sink);
    transient.ending('/d/x/a');
    transient.ending('/d/xa');
    transient.forgetBelow('/d/x');
    transient.seen('/d/x/a', 'rename'); // a new short life, not the awaited ending
    transient.seen('/d/xa', 'rename'); // the awaited ending (not below /d/x)
    expect(changes).toEqual(['add /d/x/a', 'unlink /d/x/a']);
  });
});
