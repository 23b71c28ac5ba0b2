// Differential property test: the queue's PendingBuffer (two-level keys, merge in place) and
// coalesceBatch (one flat Map) must coalesce any sequence of events to the same batch.
import { describe, expect, it } from 'vitest';
import { Action } from '../../../lib/events/action.ts';
import { createEvent, type Event, EventType } from '../../../lib/events/event.ts';
import {
  type CoalesceKey,
  coalesceBatch,
  defaultCoalesceKey,
} from '../../../lib/queue/coalesce.ts';
import { PendingBuffer } from '../../../lib/queue/pending-buffer.ts';

/** mulberry32: a small seeded generator, so that a failing sequence can be replayed by its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const fileActions = [
  Action.FileCreated,
  Action.FileWritten,
  Action.FileDeleted,
  Action.FileRenamed,
  Action.ForceReload,
];
const dockerActions = [
  Action.ContainerCreate,
  Action.ContainerStart,
  Action.ContainerDie,
  Action.ContainerDestroy,
  Action.ForceReload,
];
const paths = ['/a', '/b', '/c'];

/** A random event over few actors, so that keys collide, merge and cancel out often. */
function randomEvent(next: () => number, time: number): Event {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)] as T;
  if (next() < 0.5) {
    const name = pick(['web', 'db']);
    // Sometimes no id: the key falls back to the name.
    const actorId = next() < 0.2 ? '' : `id-${name}`;
    const action = pick(dockerActions);
    return createEvent({ type: EventType.Docker, actorName: name, actorId, action, time });
  }
  const path = pick(paths);
  const action = pick(fileActions);
  const oldName = action === Action.FileRenamed ? pick(paths) : undefined;
  return createEvent({
    type: EventType.File,
    actorName: path,
    actorId: path,
    action,
    time,
    ...(oldName === undefined ? {} : { oldName }),
  });
}

function buffered(events: readonly Event[], keyOf: CoalesceKey): Event[] {
  const buffer = new PendingBuffer(keyOf);
  for (const event of events) buffer.add(event, Number.POSITIVE_INFINITY);
  return buffer.take(Number.POSITIVE_INFINITY).events;
}

const keys: [string, CoalesceKey][] = [
  ['the default key (type and actor)', defaultCoalesceKey],
  ['a custom key (the name only)', (event) => event.actorName],
  [
    'a custom key that throws for some events',
    (event) => {
      if (event.action === Action.ContainerDie) throw new Error('no key');
      return event.actorName;
    },
  ],
];

describe('PendingBuffer coalesces exactly like coalesceBatch', () => {
  it.each(keys)('for 2,000 random sequences, with %s', (_, keyOf) => {
    for (let seed = 1; seed <= 2000; seed++) {
      const next = random(seed);
      const length = 1 + Math.floor(next() * 30);
      const events = Array.from({ length }, (__, i) => randomEvent(next, i));
      const fromBuffer = buffered(events, keyOf);
      const fromBatch = coalesceBatch(events, keyOf);
      // The seed names the failing sequence in the assertion message.
      expect(fromBuffer, `seed ${seed}`).toEqual(fromBatch);
    }
  });

  it('includes sequences where keys merge, cancel out and come back', () => {
    const created = createEvent({
      type: EventType.File,
      actorName: '/a',
      actorId: '/a',
      action: Action.FileCreated,
      time: 1,
    });
    const deleted = createEvent({ ...created, action: Action.FileDeleted, time: 2 });
    const other = createEvent({ ...created, actorName: '/b', actorId: '/b', time: 3 });
    const again = createEvent({ ...created, action: Action.FileWritten, time: 4 });
    const events = [created, other, deleted, again];
    expect(buffered(events, defaultCoalesceKey)).toEqual([other, again]);
    expect(coalesceBatch(events)).toEqual([other, again]);
  });
});
