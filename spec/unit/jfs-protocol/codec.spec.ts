import { describe, expect, it } from 'vitest';
import { decodePayload } from '../../../lib/jfs-protocol/decode-payload.ts';
import {
  encodeEvents,
  encodeFrame,
  encodeMessage,
} from '../../../lib/jfs-protocol/encode-message.ts';
import { FIELD_SIZE } from '../../../lib/jfs-protocol/field.ts';
import { type DecodedItem, FrameDecoder } from '../../../lib/jfs-protocol/frame-decoder.ts';
import type { JfsMessage } from '../../../lib/jfs-protocol/jfs-message.ts';
import { MessageType } from '../../../lib/jfs-protocol/message-type.ts';
import { Op, opHas, opString } from '../../../lib/jfs-protocol/op.ts';
import {
  FieldTooLongError,
  MalformedFrameError,
} from '../../../lib/jfs-protocol/protocol-errors.ts';
import { type FrameVector, loadVectors } from '../../support/jfs-vectors.ts';

const vectors = loadVectors();

/** Vectors whose bytes the canonical encoder cannot produce from `decoded`, and why. */
const nonCanonical: Readonly<Record<string, string>> = {
  'event-trailing-bytes': 'the 3 ignored trailing bytes are not re-encoded',
  'event-leading-nul': 'the leading NUL is trimmed on decoding; the encoder pads at the end',
};

/** A decoded item as the vectors write it: the message, or `{ type?, error }`. */
function plain(item: DecodedItem): unknown {
  if (!(item instanceof MalformedFrameError)) return item;
  const error = item.message.includes('invalid event') ? 'invalid event' : 'invalid message';
  return item.frameType === null ? { error } : { type: item.frameType, error };
}

function decodeChunks(chunks: readonly Uint8Array[]): unknown[] {
  const decoder = new FrameDecoder();
  const out = chunks.flatMap((chunk) => decoder.push(chunk)).map(plain);
  expect(decoder.buffered).toBe(0);
  return out;
}

const bytes = (vector: FrameVector): Buffer => Buffer.from(vector.hex, 'hex');

describe('JFS codec: the shared vectors', () => {
  it('has vectors of every message kind the client and proxy use', () => {
    const types = new Set(vectors.frames.map((vector) => vector.decoded['type']));
    expect([...types].sort()).toEqual([1, 2, 3, 6, undefined]);
    for (const vector of vectors.frames) expect(vector.hex.length / 2).toBe(vector.length);
  });

  describe.each(vectors.frames.map((vector) => [vector.name, vector] as const))(
    '%s',
    (_, vector) => {
      const frame = bytes(vector);

      it('decodes whole, byte by byte, and split at every index', () => {
        expect(decodeChunks([frame])).toEqual([vector.decoded]);
        const single = [...frame].map((byte) => Uint8Array.of(byte));
        expect(decodeChunks(single)).toEqual([vector.decoded]);
        for (let i = 0; i <= frame.length; i++) {
          expect(decodeChunks([frame.subarray(0, i), frame.subarray(i)])).toEqual([vector.decoded]);
        }
      });

      it('encodes to exactly its bytes', () => {
        // Every frame with a whole type is a type and raw data; payload-too-short has none.
        if (frame.length >= 8) {
          expect(encodeFrame(frame.readUInt32BE(4), frame.subarray(8))).toEqual(frame);
        }
        if (vector.decoded.error !== undefined) return;
        const encoded = encodeMessage(vector.decoded as unknown as JfsMessage);
        const reason = nonCanonical[vector.name];
        if (reason === undefined) {
          expect(encoded.toString('hex')).toBe(vector.hex);
        } else {
          // Not byte-identical by construction (see reason); it must still mean the same.
          expect(encoded.toString('hex')).not.toBe(vector.hex);
          expect(decodePayload(encoded.subarray(4))).toEqual(vector.decoded);
        }
      });
    },
  );

  it('decodes all the vectors back to back, in any chunking', () => {
    const stream = Buffer.concat(vectors.frames.map(bytes));
    const expected = vectors.frames.map((vector) => vector.decoded);
    expect(decodeChunks([stream])).toEqual(expected);
    expect(decodeChunks([...stream].map((byte) => Uint8Array.of(byte)))).toEqual(expected);
    for (let i = 0; i <= stream.length; i++) {
      expect(decodeChunks([stream.subarray(0, i), stream.subarray(i)])).toEqual(expected);
    }
  });

  it('prints ops as Go does', () => {
    for (const [op, text] of vectors.opStrings) expect(opString(op)).toBe(text);
  });
});

describe('JFS codec: fields', () => {
  it('takes a field of exactly 255 UTF-8 bytes, ASCII or not', () => {
    const ascii = `/${'a'.repeat(254)}`;
    const wide = '日'.repeat(85);
    const frame = encodeMessage({
      type: MessageType.Watch,
      channelId: 'a/b/c/d',
      paths: [ascii, wide],
    });
    expect(decodePayload(frame.subarray(4))).toEqual({
      type: MessageType.Watch,
      channelId: 'a/b/c/d',
      paths: [ascii, wide],
    });
  });

  it.each([
    ['path', { type: MessageType.Watch, channelId: 'c', paths: ['p'.repeat(256)] }, 256],
    ['path', { type: MessageType.Unwatch, channelId: 'c', paths: ['日'.repeat(86)] }, 258],
    ['channelId', { type: MessageType.Clear, channelId: 'c'.repeat(300) }, 300],
  ] as const)('refuses a %s over 255 bytes, naming it', (field, message, size) => {
    const error = catchError(() => encodeMessage(message as JfsMessage));
    expect(error).toBeInstanceOf(FieldTooLongError);
    expect(error).toMatchObject({ field, bytes: size, code: 'BATCHWATCH_JFS_FIELD_TOO_LONG' });
    expect((error as Error).message).toContain(`shorter ${field}`);
  });

  it('refuses an event name or key over 255 bytes', () => {
    const long = 'x'.repeat(FIELD_SIZE + 1);
    expect(catchError(() => encodeEvents([{ name: long, op: 1, key: '/' }]))).toMatchObject({
      field: 'name',
    });
    expect(catchError(() => encodeEvents([{ name: '/a', op: 1, key: long }]))).toMatchObject({
      field: 'key',
    });
  });

  it('strips NULs at both ends but keeps inner ones', () => {
    const frame = encodeEvents([{ name: '/a\0b', op: Op.Write, key: '/' }]);
    frame[8 + 100] = 0; // already padding: still the same
    const decoded = decodePayload(frame.subarray(4));
    expect(decoded).toEqual({ type: 6, events: [{ name: '/a\0b', op: 2, key: '/' }] });
  });
});

describe('JFS codec: payloads', () => {
  it.each([
    ['WATCH without a channel id', encodeFrame(MessageType.Watch, new Uint8Array(10)), 1],
    ['CLEAR without a channel id', encodeFrame(MessageType.Clear), 3],
    ['an ERROR frame', encodeFrame(MessageType.Error, new Uint8Array(300)), 0],
    ['an unknown type', encodeFrame(99, new Uint8Array(600)), 99],
  ])('reports %s as malformed', (_, frame, type) => {
    const result = decodePayload(frame.subarray(4));
    expect(result).toBeInstanceOf(MalformedFrameError);
    expect(result).toMatchObject({ frameType: type, length: frame.length - 4 });
  });

  it('decodes SUSPEND and RESUME, which only servers ever see', () => {
    for (const type of [MessageType.Suspend, MessageType.Resume] as const) {
      const frame = encodeMessage({ type, channelId: 'ns/pod/ctr/w' });
      expect(decodePayload(frame.subarray(4))).toEqual({ type, channelId: 'ns/pod/ctr/w' });
    }
  });

  it('encodes several records in one EVENT frame', () => {
    const events = [
      { name: '/d/a', op: Op.Create, key: '/d' },
      { name: '/d/b', op: Op.Remove | Op.Rename, key: '/d' },
    ];
    const frame = encodeEvents(events);
    expect(frame.length).toBe(8 + 2 * 514);
    expect(frame.readUInt32BE(0)).toBe(4 + 2 * 514);
    expect(decodePayload(frame.subarray(4))).toEqual({ type: 6, events });
  });
});

describe('Op', () => {
  it('has the fsnotify numbers', () => {
    expect(Op).toEqual({ Create: 1, Write: 2, Remove: 4, Rename: 8, Chmod: 16 });
  });

  it('has(h) means every bit of h is set', () => {
    expect(opHas(Op.Create | Op.Write, Op.Write)).toBe(true);
    expect(opHas(Op.Create | Op.Write, Op.Create | Op.Write)).toBe(true);
    expect(opHas(Op.Create, Op.Create | Op.Write)).toBe(false);
    expect(opHas(0, Op.Chmod)).toBe(false);
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
