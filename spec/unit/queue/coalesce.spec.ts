import { of, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Action, coalesce } from '../../../lib/index.ts';
import { coalesceBatch, mergeEvents } from '../../../lib/queue/coalesce.ts';
import { dockerEvent, fileEvent, forceReload } from '../../../lib/testing/index.ts';

const created = fileEvent.created('/a');
const written = fileEvent.written('/a', { time: 2 });
const deleted = fileEvent.deleted('/a', { time: 3 });
const renamed = fileEvent.renamed('/old', '/a');
const reload = forceReload('file');

describe('mergeEvents', () => {
  it.each([
    ['created + written = created', created, written, created],
    ['created + deleted = nothing', created, deleted, undefined],
    ['renamed + written = renamed', renamed, written, renamed],
    ['written + deleted = deleted', written, deleted, deleted],
    ['written + written = the later one', fileEvent.written('/a'), written, written],
    ['anything + ForceReload = ForceReload', written, reload, reload],
    ['ForceReload + anything = ForceReload', reload, deleted, reload],
  ])('%s', (_name, earlier, later, expected) => {
    expect(mergeEvents(earlier, later)).toBe(expected);
  });

  it('deleted + created = written, at the time of the create', () => {
    const recreated = fileEvent.created('/a', { time: 9 });
    expect(mergeEvents(deleted, recreated)).toEqual({ ...recreated, action: Action.FileWritten });
  });

  it('for containers the later event stands', () => {
    const stop = dockerEvent.stop('web');
    expect(mergeEvents(dockerEvent.start('web'), stop)).toBe(stop);
  });
});

describe('coalesceBatch', () => {
  it('keeps one event per key at the position of its first event', () => {
    const other = fileEvent.written('/b');
    expect(coalesceBatch([created, other, written, dockerEvent.start('x')])).toEqual([
      created,
      other,
      dockerEvent.start('x'),
    ]);
  });

  it('keys by type and actor id, so a container and a file of the same name stay apart', () => {
    const container = dockerEvent.start('a', { id: '/a' });
    expect(coalesceBatch([created, container])).toHaveLength(2);
  });

  it('drops keys that cancel out', () => {
    expect(coalesceBatch([created, deleted])).toEqual([]);
  });
});

describe('coalesce()', () => {
  it('coalesces each batch and drops batches that become empty', async () => {
    const out = await new Promise((resolve) =>
      of([created, deleted], [created, written]).pipe(coalesce(), toArray()).subscribe(resolve),
    );
    expect(out).toEqual([[created]]);
  });

  it('keeps apart, never loses, an event whose key function throws', async () => {
    const bad = dockerEvent.start('bad');
    const key = (event: { actorName: string }): string => {
      if (event.actorName === 'bad') throw new Error('no key');
      return event.actorName;
    };
    const out = await new Promise((resolve) =>
      of([bad, bad, created, written]).pipe(coalesce(key), toArray()).subscribe(resolve),
    );
    expect(out).toEqual([[bad, bad, created]]);
  });
});

describe('mergeEvents, renames', () => {
  it('renamed a -> b, then b deleted = deleted a (the old path is gone, b never showed)', () => {
    const moved = fileEvent.renamed('/a', '/b', {
      id: '/abs/b',
      attributes: { oldPath: '/abs/a', path: '/abs/b' },
    });
    const gone = fileEvent.deleted('/b', { id: '/abs/b', attributes: { path: '/abs/b' } });
    expect(mergeEvents(moved, gone)).toEqual({
      ...gone,
      actorName: '/a',
      actorId: '/abs/a',
      actorAttributes: { path: '/abs/a' },
    });
    expect(coalesceBatch([moved, gone])).toEqual([
      expect.objectContaining({ action: Action.FileDeleted, actorName: '/a' }),
    ]);
  });
});
