import { describe, expect, it } from 'vitest';
import { Action } from '../../../../lib/events/action.ts';
import { Op } from '../../../../lib/jfs-protocol/op.ts';
import { jfsEventToEvents } from '../../../../lib/sources/jfs/jfs-event-to-events.ts';

const map = (op: number, chmod = false) =>
  jfsEventToEvents({ name: '/data/x/a.txt', op, key: '/data/x' }, { chmod, time: 7 });

describe('jfsEventToEvents', () => {
  it.each([
    [Op.Create, Action.FileCreated],
    [Op.Write, Action.FileWritten],
    [Op.Remove, Action.FileDeleted],
    [Op.Rename, Action.FileRenamed],
  ])('maps op %i to one event', (op, action) => {
    expect(map(op).map((event) => event.action)).toEqual([action]);
  });

  it('builds a frozen file event named by the pod path', () => {
    const [event] = map(Op.Write);
    expect(event).toEqual({
      type: 'file',
      actorName: '/data/x/a.txt',
      actorId: '/data/x/a.txt',
      actorAttributes: { path: '/data/x/a.txt', key: '/data/x', op: 'WRITE' },
      action: Action.FileWritten,
      time: 7,
    });
    expect(Object.isFrozen(event)).toBe(true);
    expect(Object.isFrozen(event?.actorAttributes)).toBe(true);
  });

  it('ignores Chmod unless asked, and then reports it as written', () => {
    expect(map(Op.Chmod)).toEqual([]);
    expect(map(Op.Chmod, true).map((event) => event.action)).toEqual([Action.FileWritten]);
    expect(map(Op.Write | Op.Chmod, true)).toHaveLength(1);
    expect(map(0)).toEqual([]);
    expect(map(32)).toEqual([]);
  });

  it('gives one event per mapped bit, in the order created, written, renamed, deleted', () => {
    const all = Op.Create | Op.Write | Op.Remove | Op.Rename | Op.Chmod;
    expect(map(all).map((event) => event.action)).toEqual([
      Action.FileCreated,
      Action.FileWritten,
      Action.FileRenamed,
      Action.FileDeleted,
    ]);
    expect(map(all)[0]?.actorAttributes['op']).toBe('CREATE|REMOVE|WRITE|RENAME|CHMOD');
  });
});
