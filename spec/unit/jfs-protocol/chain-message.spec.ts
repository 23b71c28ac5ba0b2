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
    const message = Buffer.from('1-0 2-0 2 1 1\nab');
    const entry = parse(message);
    expect(entry?.fields[0]?.buffer).toBe(message.buffer);
  });
});
