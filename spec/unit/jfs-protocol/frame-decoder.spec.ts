import { describe, expect, it } from 'vitest';
import {
  encodeEvents,
  encodeFrame,
  encodeMessage,
} from '../../../lib/jfs-protocol/encode-message.ts';
import {
  DEFAULT_MAX_FRAME_LENGTH,
  type DecodedItem,
  FrameDecoder,
} from '../../../lib/jfs-protocol/frame-decoder.ts';
import { MessageType } from '../../../lib/jfs-protocol/message-type.ts';
import {
  FrameTooLargeError,
  MalformedFrameError,
} from '../../../lib/jfs-protocol/protocol-errors.ts';

/** mulberry32: a small seeded PRNG, so that a failing fuzz run can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const prefix = (length: number): Buffer => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(length >>> 0);
  return bytes;
};

const validTypes: ReadonlySet<number> = new Set(Object.values(MessageType));
const event = encodeEvents([{ name: '/d/a.txt', op: 2, key: '/d' }]);

describe('FrameDecoder', () => {
  it('caps frames at 1 MiB by default', () => {
    expect(new FrameDecoder().maxFrameLength).toBe(DEFAULT_MAX_FRAME_LENGTH);
    expect(DEFAULT_MAX_FRAME_LENGTH).toBe(1_048_576);
  });

  it('fails for good on a length over the cap, without buffering it', () => {
    const decoder = new FrameDecoder(1000);
    const items = decoder.push(Buffer.concat([event, prefix(0xffff_ffff), Buffer.alloc(100)]));
    expect(items).toHaveLength(2);
    expect(items[1]).toBeInstanceOf(FrameTooLargeError);
    expect(items[1]).toMatchObject({ length: 0xffff_ffff, max: 1000 });
    expect(decoder.failed).toBe(true);
    expect(decoder.buffered).toBe(0);
    expect(decoder.push(event)).toEqual([]);
  });

  it('spots an over-cap length split across chunks', () => {
    const decoder = new FrameDecoder(1000);
    const big = prefix(1001);
    expect(decoder.push(big.subarray(0, 3))).toEqual([]);
    const [item] = decoder.push(big.subarray(3));
    expect(item).toBeInstanceOf(FrameTooLargeError);
  });

  it('buffers only the bytes received, never the announced length', () => {
    const decoder = new FrameDecoder();
    expect(
      decoder.push(Buffer.concat([prefix(DEFAULT_MAX_FRAME_LENGTH), Buffer.alloc(10)])),
    ).toEqual([]);
    expect(decoder.buffered).toBe(10);
    expect(decoder.push(Buffer.alloc(20))).toEqual([]);
    expect(decoder.buffered).toBe(30);
  });

  it('takes a frame of exactly the cap', () => {
    const frame = encodeFrame(MessageType.Event, Buffer.alloc(996));
    const decoder = new FrameDecoder(1000);
    const [item] = decoder.push(frame);
    expect(item).toMatchObject({ type: MessageType.Event });
  });

  it('reports malformed frames and goes on with the next one', () => {
    const decoder = new FrameDecoder();
    const stream = Buffer.concat([
      prefix(0), // empty payload
      encodeFrame(MessageType.Event, Buffer.alloc(3)),
      event,
      encodeFrame(42),
      event,
    ]);
    const items = decoder.push(stream);
    expect(
      items.map((item) => (item instanceof MalformedFrameError ? item.frameType : 'ok')),
    ).toEqual([null, MessageType.Event, 'ok', 42, 'ok']);
    expect(decoder.failed).toBe(false);
  });

  it('does not keep a reference to a chunk the caller reuses', () => {
    const decoder = new FrameDecoder();
    const chunk = Buffer.from(event);
    expect(decoder.push(chunk.subarray(0, 100))).toEqual([]);
    const rest = Buffer.from(chunk.subarray(100));
    chunk.fill(0xee);
    const [item] = decoder.push(rest);
    expect(item).toEqual({ type: 6, events: [{ name: '/d/a.txt', op: 2, key: '/d' }] });
  });

  it('accepts plain Uint8Array chunks', () => {
    const decoder = new FrameDecoder();
    const copy = new Uint8Array(event.length + 8).subarray(8);
    copy.set(event);
    expect(decoder.push(copy)).toHaveLength(1);
  });

  it('survives random bytes in random chunks (fuzz, seeded)', () => {
    const random = prng(0x5eed);
    const cap = 4096;
    let items = 0;
    let maxBuffered = 0;
    const problems: string[] = [];
    const seen = { message: 0, malformed: 0, tooLarge: 0 };
    for (let run = 0; run < 3000; run++) {
      const decoder = new FrameDecoder(cap);
      const stream = fuzzStream(random, cap);
      let pos = 0;
      while (pos < stream.length) {
        const size = 1 + Math.floor(random() * 700);
        let out: DecodedItem[] = [];
        try {
          out = decoder.push(stream.subarray(pos, pos + size));
        } catch (error) {
          problems.push(`run ${run}: push threw ${String(error)}`);
        }
        pos += size;
        items += out.length;
        maxBuffered = Math.max(maxBuffered, decoder.buffered);
        for (const item of out) {
          const known =
            item instanceof MalformedFrameError ||
            item instanceof FrameTooLargeError ||
            (!(item instanceof Error) && validTypes.has(item.type));
          if (!known) problems.push(`run ${run}: unexpected item ${String(item)}`);
          if (item instanceof MalformedFrameError) seen.malformed++;
          else if (item instanceof FrameTooLargeError) seen.tooLarge++;
          else seen.message++;
        }
      }
    }
    expect(problems).toEqual([]);
    expect(maxBuffered).toBeLessThanOrEqual(4 + cap);
    expect(items).toBeGreaterThan(3000);
    // The damage really reaches every path of the decoder.
    expect(Object.values(seen).every((n) => n > 100)).toBe(true);
  });
});

/** Random bytes, or valid frames with random damage: lengths, types and bytes. */
function fuzzStream(random: () => number, cap: number): Buffer {
  const parts: Buffer[] = [];
  const count = 1 + Math.floor(random() * 8);
  for (let i = 0; i < count; i++) {
    const pick = random();
    if (pick < 0.2) {
      parts.push(
        Buffer.from(Array.from({ length: Math.floor(random() * 600) }, () => random() * 256)),
      );
      continue;
    }
    let frame: Buffer;
    if (pick < 0.5) frame = Buffer.from(event);
    else if (pick < 0.7) {
      frame = encodeMessage({ type: MessageType.Watch, channelId: 'n/p/c/w', paths: ['/a', '/b'] });
    } else {
      const length = Math.floor(random() * (cap + 200));
      frame = Buffer.concat([prefix(length), Buffer.alloc(length, Math.floor(random() * 256))]);
      if (length >= 4) frame.writeUInt32BE(Math.floor(random() * 9), 4);
    }
    for (let flips = Math.floor(random() * 4); flips > 0; flips--) {
      frame[Math.floor(random() * frame.length)] = Math.floor(random() * 256);
    }
    parts.push(frame);
  }
  return Buffer.concat(parts);
}
