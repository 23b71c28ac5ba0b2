import { describe, expect, it } from 'vitest';
import {
  batchFields,
  eventFields,
  markerFields,
  parseStreamEntry,
} from '../../../lib/jfs-protocol/notify-stream.ts';
import { StreamEntryDecoder } from '../../../lib/jfs-proxy/stream-entry-decoder.ts';

const buffers = (fields: readonly string[]): Buffer[] => fields.map((field) => Buffer.from(field));

describe('StreamEntryDecoder (entries read as Buffers)', () => {
  it('decodes exactly as parseStreamEntry does on the strings', () => {
    const decoder = new StreamEntryDecoder();
    const cases: string[][] = [
      eventFields({ name: '/n/a/é', op: 8, key: '/n/a' }),
      eventFields({ name: '/n/b/x', op: 4294967295, key: '/n/b' }),
      eventFields({ name: '/n/a/y', op: 2, key: '/n/a' }),
      markerFields('daemon-start', 'n1-42'),
      batchFields([
        { name: '/n/a/1', op: 1, key: '/n/a' },
        { name: '/n/a/2', op: 4, key: '/n/a' },
      ]),
      ['Name', '/x', 'Op', '0x10', 'Key', '/'],
      ['Name', '/x', 'Op', '', 'Key', '/'],
      ['Name', '/x', 'Op', '99999999999', 'Key', '/'],
      ['Name', '/x', 'Op', 'two', 'Key', '/'],
      ['Events', 'not json'],
      ['marker', 'nap'],
    ];
    for (const fields of cases) {
      expect(decoder.decode(buffers(fields))).toEqual(parseStreamEntry(fields));
    }
  });

  it('reads a burst entry as its events in order, counting the invalid ones', () => {
    const fields = [
      'Events',
      '[{"Name":"/n/a","Op":1,"Key":"/n"},{"Name":1},{"name":"/n/b","op":2,"key":"/n"}]',
    ];
    expect(new StreamEntryDecoder().decode(buffers(fields))).toEqual({
      kind: 'events',
      events: [
        { name: '/n/a', op: 1, key: '/n' },
        { name: '/n/b', op: 2, key: '/n' },
      ],
      invalid: 1,
    });
  });
});
