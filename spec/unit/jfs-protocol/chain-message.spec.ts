import { describe, expect, it } from 'vitest';
import { parseChainMessage } from '../../../lib/jfs-protocol/chain-message.ts';

const parse = (text: string | Buffer) =>
  parseChainMessage(typeof text === 'string' ? Buffer.from(text) : text);

describe('parseChainMessage', () => {
  it('reads the ids and the fields, byte lengths included (UTF-8, a newline in a field)', () => {
    const entry = parse('1700000000000-0 1700000000001-3 4 4 3 2 2\nNameé/Op\n1');
    expect(entry?.prev).toBe('1700000000000-0');
    expect(entry?.id).toBe('1700000000001-3');
    expect(entry?.fields.map((field) => field.toString())).toEqual(['Name', 'é/', 'Op', '\n1']);
  });

  it("reads a stream's first entry (after 0-0) and an entry of no fields", () => {
    expect(parse('0-0 1-1 0\n')).toEqual({ prev: '0-0', id: '1-1', fields: [] });
  });

  it('reads the longest header: the largest ids, 64 fields, lengths of 10 digits', () => {
    const max = '18446744073709551615';
    const header = `${max}-${max} ${max}-${max} 64${' 0000000001'.repeat(64)}`;
    expect(header).toHaveLength(790);
    const entry = parse(`${header}\n${'x'.repeat(64)}`);
    expect(entry?.fields).toHaveLength(64);
    expect(entry?.fields.every((field) => field.toString() === 'x')).toBe(true);
    expect(parse(`${header} 1\n${'x'.repeat(65)}`)).toBeNull();
  });

  it('reads the largest ids Redis can write', () => {
    const max = '18446744073709551615';
    expect(parse(`${max}-${max} 1-0 0\n`)?.prev).toBe(`${max}-${max}`);
  });

  it('refuses what is not an entry written so, without throwing', () => {
    for (const message of [
      '',
      'no newline at all',
      '1-0 2-0 1 3 abc', // no newline
      '1-0 2-0 1 3\nab', // shorter than its lengths
      '1-0 2-0 1 3\nabcd', // longer
      '1-0 2-0 2 3\nabc', // fewer lengths than fields
      '1-0 2-0 1 3 3\nabcabc', // more
      '1-0 2-0 1 -3\nabc',
      '1-0 2-0 1 0x3\nabc',
      '1-0 2-0 1 99999999999\nabc',
      '1-0 2-0 1 00000000003\nabc', // 11 digits
      '1-0 2-0 003 1 1 1\nabc', // a count of 3 digits
      'x-0 2-0 1 3\nabc',
      '1-0 2 1 3\nabc',
      '1-0  2-0 1 3\nabc',
      `1-0 2-0 65 ${Array(65).fill('0').join(' ')}\n`,
      `1-0 2-0 1 ${'1'.repeat(2000)}\n`,
      // Past what Redis can hold in an id part (an unsigned 64-bit number): no XREAD could follow it.
      '1-0 18446744073709551616-0 0\n',
      '1-0 1-18446744073709551616 0\n',
      '99999999999999999999-0 1-0 0\n',
    ]) {
      expect(parse(message), JSON.stringify(message)).toBeNull();
    }
  });

  it('keeps the fields as views of the message (no copy per field)', () => {
    // A Buffer of its own, not a slice of Node's shared pool, where a copy would share
    // `.buffer` too.
    const message = Buffer.allocUnsafeSlow(16);
    message.write('1-0 2-0 2 1 1\nab');
    const entry = parse(message);
    expect(entry?.fields[0]?.buffer).toBe(message.buffer);
    expect(entry?.fields.map((field) => field.byteOffset)).toEqual([14, 15]);
    message[15] = 0x7a;
    expect(entry?.fields[1]?.toString()).toBe('z');
  });

  it('agrees with the grammar read as a regular expression, on entries and on mangled ones', () => {
    // The grammar of the header, as chain-message.ts documents it, read the plain way.
    const HEADER = /^(\d{1,20}-\d{1,20}) (\d{1,20}-\d{1,20}) (\d{1,2})((?: \d{1,10})*)$/;
    const MAX_PART = '18446744073709551615';
    const fits = (id: string) =>
      id.split('-').every((part) => part.length < 20 || part <= MAX_PART);
    const reference = (message: Buffer) => {
      const end = message.indexOf(0x0a);
      if (end < 0 || end > 2 * 41 + 4 + 64 * 11) return null;
      const head = HEADER.exec(message.toString('latin1', 0, end));
      if (head === null) return null;
      const [, prev, id, count, list] = head as unknown as string[];
      const lengths = list === '' ? [] : (list as string).slice(1).split(' ');
      if (!fits(prev as string) || !fits(id as string)) return null;
      if (Number(count) > 64 || lengths.length !== Number(count)) return null;
      const fields: string[] = [];
      let at = end + 1;
      for (const length of lengths) {
        if (at + Number(length) > message.length) return null;
        fields.push(message.toString('latin1', at, at + Number(length)));
        at += Number(length);
      }
      return at === message.length ? { prev, id, fields } : null;
    };
    // A fixed seed: the same messages every run.
    let seed = 26;
    const random = (below: number) => {
      // In 32-bit integer arithmetic: a product of doubles past 2 ** 53 would lose its low bits
      // and fall into a short cycle.
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) & 0x7fffffff;
      // The high bits: the low ones of a linear congruential generator repeat with short periods.
      return Math.floor((seed / 2 ** 31) * below);
    };
    const digits = (most: number) =>
      Array.from({ length: 1 + random(most) }, () => String(random(10))).join('');
    const part = () => (random(8) === 0 ? MAX_PART.slice(0, 19) + String(random(10)) : digits(20));
    const pieces = ' -0123456789\nxé';
    let accepted = 0;
    const distinct = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const fields = Array.from({ length: random(7) }, () => digits(3).slice(0, random(4)));
      const counted = random(10) === 0 ? random(70) : fields.length;
      // Leading zeros now and then: `07` is a count, `007` is not.
      const zeros = () => '0'.repeat(random(8) === 0 ? 1 + random(2) : 0);
      const lengths = fields.map((field) => ` ${zeros()}${field.length}`).join('');
      const header = `${part()}-${part()} ${part()}-${part()} ${zeros()}${counted}${lengths}`;
      const bytes = [...Buffer.from(`${header}\n${fields.join('')}`)];
      // Most messages mangled: a byte changed, dropped or added, somewhere in the header mostly.
      for (let mangle = random(3); mangle > 0; mangle--) {
        const at = random(Math.min(bytes.length, header.length + 4) + 1);
        const byte = Buffer.from(pieces[random(pieces.length)] as string)[0] as number;
        const how = random(3);
        if (how === 0) bytes[at] = byte;
        else if (how === 1) bytes.splice(at, 1);
        else bytes.splice(at, 0, byte);
      }
      const message = Buffer.from(bytes);
      distinct.add(message.toString('latin1'));
      const expected = reference(message);
      const entry = parseChainMessage(message);
      const got = entry && {
        prev: entry.prev,
        id: entry.id,
        fields: entry.fields.map((field) => field.toString('latin1')),
      };
      expect(got, JSON.stringify(message.toString('latin1'))).toEqual(expected);
      if (expected !== null) accepted++;
    }
    // As many messages as tried, and both kinds, many times each: the generator did not collapse.
    expect(distinct.size).toBeGreaterThan(19_000);
    expect(accepted).toBeGreaterThan(1_000);
    expect(accepted).toBeLessThan(18_000);
  });
});
