import { describe, expect, it } from 'vitest';
import {
  compareRevisions,
  isRevision,
  parseRevision,
} from '../../../../lib/sources/poll/revision.ts';

describe('revisions', () => {
  it('are decimal strings of digits', () => {
    expect(['0', '42', '007', '18446744073709551616'].every(isRevision)).toBe(true);
    expect(['', '-1', '1.5', '1e3', ' 1', '0x10', '١٢'].some(isRevision)).toBe(false);
    expect([42, 42n, null, undefined].some(isRevision)).toBe(false);
  });

  it('parse to big integers, beyond 2^53', () => {
    expect(parseRevision('9007199254740993')).toBe(9007199254740993n);
    expect(parseRevision('007')).toBe(7n);
    expect(parseRevision('x')).toBeNull();
  });

  it('compare as big integers, not as strings or Numbers', () => {
    expect(['10', '9', '100', '09'].sort(compareRevisions)).toEqual(['9', '09', '10', '100']);
    expect(compareRevisions('9007199254740993', '9007199254740992')).toBe(1);
    expect(compareRevisions('7', '007')).toBe(0);
    expect(() => compareRevisions('1', 'one')).toThrow(TypeError);
  });
});
