import { describe, expect, it } from 'vitest';
import {
  entryTime,
  eventFields,
  markerFields,
  parseStreamEntry,
} from '../../../lib/jfs-protocol/notify-stream.ts';

describe('the stream format', () => {
  it('round-trips events and markers, and rejects anything else', () => {
    const event = { name: '/node/a', op: 8, key: '/node' };
    expect(eventFields(event)).toEqual(['Name', '/node/a', 'Op', '8', 'Key', '/node']);
    expect(parseStreamEntry(eventFields(event))).toEqual({ kind: 'event', event });
    expect(parseStreamEntry(markerFields('daemon-start', 'n1-42'))).toEqual({
      kind: 'marker',
      reason: 'daemon-start',
      daemon: 'n1-42',
    });
    for (const bad of [
      ['Name', 'x'],
      ['Name', 'x', 'Op', 'two', 'Key', 'k'],
      ['marker', 'nap'],
    ]) {
      expect(parseStreamEntry(bad)).toEqual({ kind: 'invalid' });
    }
    expect(entryTime('1700000000123-4')).toBe(1700000000123);
  });
});
