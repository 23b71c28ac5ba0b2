import { describe, expect, it } from 'vitest';
import { Action } from '../../../lib/events/action.ts';
import { createEvent, type Event } from '../../../lib/events/event.ts';
import {
  decodeEvent,
  EVENT_FORMAT_VERSION,
  EventCodecError,
  encodeEvent,
} from '../../../lib/journal/event-codec.ts';

function roundTrip(event: Event): Event {
  return decodeEvent(encodeEvent(event));
}

describe('encodeEvent / decodeEvent', () => {
  it('round-trips every action, attributes and oldName exactly', () => {
    for (const action of Object.values(Action)) {
      const event = createEvent({
        type: action < 16 ? 'file' : 'docker',
        actorName: 'a/b ü "quoted" \u0000 \n',
        actorId: '/abs/a/b',
        actorAttributes: { path: '/abs/a/b', root: '/abs', '': 'empty key', __proto__x: 'y' },
        action,
        time: 1_700_000_000_123,
        ...(action === Action.FileRenamed ? { oldName: 'a/old' } : {}),
      });
      const decoded = roundTrip(event);
      expect(decoded).toStrictEqual(event);
      expect(Object.keys(decoded)).toEqual(Object.keys(event));
      expect(Object.isFrozen(decoded)).toBe(true);
    }
  });

  it('round-trips what a poll feed adds: a revision, a bigint, a payload with every tagged kind', () => {
    const payload = {
      revision: '184467440737095516150',
      big: 2n ** 70n,
      nothing: undefined,
      nan: Number.NaN,
      inf: Number.NEGATIVE_INFINITY,
      negZero: -0,
      bytes: new Uint8Array([0, 1, 254, 255]),
      buffer: Buffer.from('héllo'),
      date: new Date(1_700_000_000_000),
      map: new Map<unknown, unknown>([
        [1n, 'one'],
        ['k', { nested: [1, null, undefined] }],
      ]),
      set: new Set(['x', 2]),
      list: [[1, 2], { $: 'looks like a tag', v: 'but is data' }],
      __proto__key: 'kept',
    };
    const event = Object.freeze({
      ...createEvent({ type: 'docker', actorName: 'web', action: Action.ContainerStart, time: 5 }),
      revision: '42',
      payload,
    }) as Event;
    const decoded = roundTrip(event) as Event & { payload: typeof payload };
    expect(decoded).toStrictEqual(event);
    expect(decoded.payload.bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(decoded.payload.bytes)).toBe(false);
    expect(Buffer.isBuffer(decoded.payload.buffer)).toBe(true);
    expect(Object.is(decoded.payload.negZero, -0)).toBe(true);
    expect('nothing' in decoded.payload).toBe(true);
  });

  it('keeps an own "__proto__" key as data, never as a prototype', () => {
    const attributes = JSON.parse('{"__proto__": "x", "a": "b"}') as Record<string, string>;
    const event = createEvent({
      type: 'file',
      actorName: 'f',
      action: 1,
      actorAttributes: attributes,
    });
    const decoded = roundTrip(event);
    expect(Object.getPrototypeOf(decoded.actorAttributes)).toBe(Object.prototype);
    expect(Object.hasOwn(decoded.actorAttributes, '__proto__')).toBe(true);
    expect(decoded.actorAttributes['a']).toBe('b');
  });

  it('round-trips attributes that are not all strings, and a non-finite time', () => {
    const event = {
      ...createEvent({ type: 'file', actorName: 'f', action: 2 }),
      actorAttributes: { size: 12 as unknown as string, ok: 'yes' },
      time: Number.NaN,
    } as Event;
    expect(roundTrip(event)).toStrictEqual(event);
  });

  it('writes the format version first', () => {
    const record = encodeEvent(createEvent({ type: 'file', actorName: 'f', action: 1, time: 1 }));
    expect(JSON.parse(record)[0]).toBe(EVENT_FORMAT_VERSION);
  });

  it('refuses a value that has no faithful stored form, naming where it is', () => {
    const event = {
      ...createEvent({ type: 'file', actorName: 'f', action: 1 }),
      fn: () => 1,
    } as Event;
    expect(() => encodeEvent(event)).toThrow(/fn is a function/);
    const instance = {
      ...createEvent({ type: 'file', actorName: 'f', action: 1 }),
      x: new (class Foo {})(),
    } as Event;
    expect(() => encodeEvent(instance)).toThrow(/Foo instance/);
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['not an array', '{"a":1}', /not a record array/],
    ['another version', '[2,"file","f","",{},1,1,0]', /format version 2/],
    ['no version', '[]', /format version/],
    ['too few fields', '[1,"file","f","",{},1]', /fields/],
    ['bad type', '[1,"","f","",{},1,1,0]', /bad type/],
    ['bad action', '[1,"file","f","",{},-1,1,0]', /bad action/],
    ['fractional action', '[1,"file","f","",{},1.5,1,0]', /bad action/],
    ['non-string attribute', '[1,"file","f","",{"a":1},1,1,0]', /attribute a/],
    ['bad tag', '[1,"file","f","",{},1,1,{"x":{"$":"b","v":"1.5"}}]', /tagged value/],
    ['extra shadowing a field', '[1,"file","f","",{},1,1,{"action":1}]', /shadows/],
  ])('rejects %s with an EventCodecError', (_name, record, message) => {
    expect(() => decodeEvent(record)).toThrow(EventCodecError);
    expect(() => decodeEvent(record)).toThrow(message);
  });
});
