import { describe, expect, it } from 'vitest';
import { idAtOrBefore, streamCounts } from '../../../lib/jfs-proxy/stream-ids.ts';

describe('stream ids', () => {
  it('compares ids as numbers, milliseconds first, then the sequence', () => {
    expect(idAtOrBefore('5-3', '5-3')).toBe(true);
    expect(idAtOrBefore('5-2', '5-10')).toBe(true);
    expect(idAtOrBefore('5-10', '5-2')).toBe(false);
    expect(idAtOrBefore('9-0', '10-0')).toBe(true);
    expect(idAtOrBefore('10-0', '9-99')).toBe(false);
  });

  it('reads entries-added and length from an XINFO STREAM reply, 0 for what is missing', () => {
    expect(streamCounts(['length', 3, 'entries-added', 7, 'last-generated-id', '1-0'])).toEqual({
      added: 7,
      length: 3,
    });
    expect(streamCounts(null)).toEqual({ added: 0, length: 0 });
  });
});
