import { describe, expect, it } from 'vitest';
import { JsonLinesReader } from '../../../../lib/sources/docker/json-lines-reader.ts';
import { type Fixture, fixture } from './fixture.ts';

interface Read {
  readonly values: unknown[];
  readonly texts: string[];
  readonly malformed: string[];
}

function reader(maxLineLength?: number): { reader: JsonLinesReader; read: Read } {
  const read: Read = { values: [], texts: [], malformed: [] };
  const instance = new JsonLinesReader(
    {
      value: (value, text) => {
        read.values.push(value);
        read.texts.push(text);
      },
      malformed: (text) => read.malformed.push(text),
    },
    maxLineLength,
  );
  return { reader: instance, read };
}

/** Feeds `bytes` cut at `cuts` (ascending byte offsets) and returns what was read. */
function readCut(bytes: Buffer, cuts: readonly number[]): Read {
  const { reader: instance, read } = reader();
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    instance.write(bytes.subarray(start, cut));
    start = cut;
  }
  instance.end();
  return read;
}

function expectWhole(read: Read, stream: Fixture): void {
  expect(read.malformed).toEqual([]);
  expect(read.texts).toEqual(stream.lines);
  expect(read.values).toEqual(stream.lines.map((line) => JSON.parse(line)));
}

/** A deterministic pseudo-random sequence (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('JsonLinesReader on real captured streams', () => {
  for (const name of ['lifecycle', 'mixed', 'burst'] as const) {
    const stream = fixture(name);

    it(`${name}: reads the stream whole and byte by byte`, () => {
      expectWhole(readCut(stream.bytes, []), stream);
      const everyByte = Array.from({ length: stream.bytes.length - 1 }, (_, i) => i + 1);
      expectWhole(readCut(stream.bytes, everyByte), stream);
    });

    it(`${name}: reads the same with random cuts (1 to 8 per run)`, () => {
      const next = random(name.length);
      for (let run = 0; run < 200; run++) {
        const count = 1 + Math.floor(next() * 8);
        const cuts = Array.from({ length: count }, () =>
          Math.floor(next() * stream.bytes.length),
        ).sort((a, b) => a - b);
        expectWhole(readCut(stream.bytes, cuts), stream);
      }
    });
  }

  for (const name of ['lifecycle', 'mixed'] as const) {
    it(`${name}: reads the same when split in two at every byte index`, () => {
      const stream = fixture(name);
      for (let index = 0; index <= stream.bytes.length; index++) {
        expectWhole(readCut(stream.bytes, [index]), stream);
      }
    });
  }

  it('burst: reads the same in chunks of every size from 1 to 97 bytes', () => {
    const stream = fixture('burst');
    for (let size = 1; size <= 97; size++) {
      const cuts = Array.from(
        { length: Math.ceil(stream.bytes.length / size) - 1 },
        (_, i) => (i + 1) * size,
      );
      expectWhole(readCut(stream.bytes, cuts), stream);
    }
  });

  it('keeps a UTF-8 character cut across chunks whole', () => {
    const stream = fixture('lifecycle');
    const at = stream.bytes.indexOf(Buffer.from('日本'));
    expect(at).toBeGreaterThan(0);
    for (const cut of [at + 1, at + 2, at + 4, at + 5]) {
      expectWhole(readCut(stream.bytes, [cut]), stream);
    }
  });
});

describe('JsonLinesReader framing', () => {
  it('hands over several values written in one chunk, in order', () => {
    const { reader: instance, read } = reader();
    instance.write('{"a":1}\n{"a":2}\n{"a":3}\n');
    expect(read.values).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
  });

  it('holds a value until its newline arrives', () => {
    const { reader: instance, read } = reader();
    instance.write('{"a":');
    instance.write('1}');
    expect(read.values).toEqual([]);
    expect(instance.pending).toBe(7);
    instance.write('\n');
    expect(read.values).toEqual([{ a: 1 }]);
    expect(instance.pending).toBe(0);
  });

  it('skips blank lines and CRs, reports a malformed line and goes on', () => {
    const { reader: instance, read } = reader();
    instance.write('\n\r\n{"a":1}\r\n{not json}\n{"a":2}\n');
    expect(read.values).toEqual([{ a: 1 }, { a: 2 }]);
    expect(read.malformed).toEqual(['{not json}']);
  });

  it('reports an over-long line once and resynchronizes at its end', () => {
    const { reader: instance, read } = reader(16);
    instance.write('{"a":"0123456789');
    instance.write('0123456789');
    instance.write('0123456789"}\n{"b":1}\n');
    expect(read.malformed).toHaveLength(1);
    expect(read.values).toEqual([{ b: 1 }]);
    instance.write(`{"c":"${'x'.repeat(20)}"}\n{"d":1}\n`);
    expect(read.malformed).toHaveLength(2);
    expect(read.values).toEqual([{ b: 1 }, { d: 1 }]);
  });

  it('end() reads a last line without newline; reset() drops a cut line', () => {
    const first = reader();
    first.reader.write('{"a":1}\n{"a":2}');
    first.reader.end();
    expect(first.read.values).toEqual([{ a: 1 }, { a: 2 }]);

    const second = reader();
    second.reader.write('{"a":1}\n{"a":');
    expect(second.reader.reset()).toBe(5);
    second.reader.write('{"b":2}\n');
    expect(second.read.values).toEqual([{ a: 1 }, { b: 2 }]);
    expect(second.read.malformed).toEqual([]);
  });
});
