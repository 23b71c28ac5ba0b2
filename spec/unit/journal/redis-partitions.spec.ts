import { describe, expect, it } from 'vitest';
import { Action } from '../../../lib/events/action.ts';
import { createEvent } from '../../../lib/events/event.ts';
import {
  partitionKey,
  partitionOf,
  partitionOfEvent,
  partitionStream,
  partitionStreams,
} from '../../../lib/journal/redis-partitions.ts';

const file = (path: string, action: Action = Action.FileWritten) =>
  createEvent({
    type: 'file',
    actorName: path.slice(path.lastIndexOf('/') + 1),
    actorId: path,
    action,
  });

describe('Redis journal partitions', () => {
  it('keys an event by type and actor: every event of one path or container in one partition', () => {
    const a = partitionOf(partitionKey(file('/srv/a.yml')), 16);
    expect(partitionOf(partitionKey(file('/srv/a.yml', Action.FileDeleted)), 16)).toBe(a);
    const started = createEvent({
      type: 'docker',
      actorName: 'web',
      actorId: 'c0ffee',
      action: Action.ContainerStart,
    });
    const renamed = { ...started, actorName: 'web-2', action: Action.ContainerStop };
    expect(partitionKey(renamed)).toBe(partitionKey(started));
    // No id: the name is the actor.
    expect(
      partitionKey(createEvent({ type: 'file', actorName: 'x', action: Action.FileWritten })),
    ).toBe('file\u0000x');
    expect(partitionKey(file('/srv/a.yml'))).not.toBe(
      partitionKey({ ...file('/srv/a.yml'), type: 'docker' }),
    );
  });

  it('spreads keys over every partition, stably (the same number in every process)', () => {
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 16_000; i++)
      counts[partitionOf(`file\u0000/srv/f${i}`, 16)] =
        (counts[partitionOf(`file\u0000/srv/f${i}`, 16)] ?? 0) + 1;
    for (const count of counts) expect(count).toBeGreaterThan(800);
    // FNV-1a 32 of "a" is 0xe40c292c.
    expect(partitionOf('a', 1_000_000_007)).toBe(0xe40c292c % 1_000_000_007);
    expect(partitionOf('anything', 1)).toBe(0);
  });

  it('partitionOfEvent is partitionOf(partitionKey(event)) without building the key', () => {
    const events = [
      file('/srv/a.yml'),
      file('/srv/ü/ß.yml'),
      createEvent({
        type: 'docker',
        actorName: 'web',
        actorId: 'c0ffee',
        action: Action.ContainerDie,
      }),
      createEvent({ type: 'file', actorName: 'no-id', action: Action.FileCreated }),
    ];
    for (const event of events) {
      for (const count of [1, 2, 7, 16, 1_024]) {
        expect(partitionOfEvent(event, count)).toBe(partitionOf(partitionKey(event), count));
      }
    }
  });

  it('names the partition streams; one partition is the stream itself', () => {
    expect(partitionStreams('s', 1)).toEqual(['s']);
    expect(partitionStreams('s', 3)).toEqual(['s:p0', 's:p1', 's:p2']);
    expect(partitionStream('s', 2, 3)).toBe('s:p2');
  });
});
