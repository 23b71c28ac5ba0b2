import { describe, expect, it } from 'vitest';
import { decodePayload } from '../../../lib/jfs-protocol/decode-payload.ts';
import type { JfsEvent } from '../../../lib/jfs-protocol/jfs-message.ts';
import { FrameBatcher } from '../../../lib/jfs-proxy/frame-batcher.ts';

const event = (i: number): JfsEvent => ({ name: `/data/f${i}`, op: 1, key: '/data' });

describe('FrameBatcher', () => {
  it('sends the events of one turn as frames of at most maxRecords records, in order', async () => {
    const frames: { records: number; events: readonly JfsEvent[] }[] = [];
    const batcher = new FrameBatcher(
      3,
      (frame, records) => {
        const message = decodePayload(frame.subarray(4));
        frames.push({ records, events: 'events' in message ? message.events : [] });
      },
      () => {},
    );
    for (let i = 0; i < 7; i++) batcher.push(event(i));
    expect(frames.map((f) => f.records)).toEqual([3, 3]);
    await new Promise<void>((resolve) => queueMicrotask(resolve));
    expect(frames.map((f) => f.records)).toEqual([3, 3, 1]);
    expect(frames.flatMap((f) => f.events)).toEqual(Array.from({ length: 7 }, (_, i) => event(i)));
  });

  it('drops an event whose name cannot be encoded, with a warning, and sends the others', () => {
    const sent: number[] = [];
    const warnings: string[] = [];
    const batcher = new FrameBatcher(
      2,
      (_frame, records) => sent.push(records),
      (warning) => warnings.push(warning.name),
    );
    batcher.push(event(1));
    batcher.push({ name: `/data/${'x'.repeat(300)}`, op: 1, key: '/data' });
    expect(sent).toEqual([1]);
    expect(warnings).toEqual(['FieldTooLongError']);
  });

  it('writes each frame whole: no byte of an earlier, longer frame shows through', () => {
    const decoded: (readonly JfsEvent[])[] = [];
    const batcher = new FrameBatcher(
      2,
      (frame) => {
        const message = decodePayload(frame.subarray(4));
        decoded.push('events' in message ? message.events : []);
      },
      () => {},
    );
    const long = (i: number): JfsEvent => ({
      name: `/data/${'long-name-'.repeat(20)}${i}`,
      op: 2,
      key: '/data/with/a/long/key',
    });
    batcher.push(long(1));
    batcher.push(long(2));
    batcher.push(event(3));
    batcher.flush();
    expect(decoded).toEqual([[long(1), long(2)], [event(3)]]);
  });
});
