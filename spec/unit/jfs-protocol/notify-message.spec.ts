import { describe, expect, it } from 'vitest';
import {
  formatNotifyMessage,
  parseNotifyMessage,
} from '../../../lib/jfs-protocol/notify-message.ts';

describe('jfsnotify messages', () => {
  it('parse the Go JSON shape, field names in any case', () => {
    expect(
      parseNotifyMessage(
        '[{"Name":"/n/d/f","Op":2,"Key":"/n/d"},{"name":"/n/d/g","OP":1,"kEy":"/n/d"}]',
      ),
    ).toEqual({
      events: [
        { name: '/n/d/f', op: 2, key: '/n/d' },
        { name: '/n/d/g', op: 1, key: '/n/d' },
      ],
      invalid: 0,
    });
  });

  it('skip invalid entries and count them, without throwing', () => {
    const parsed = parseNotifyMessage(
      '[{"Name":"/a","Op":"2","Key":"/"},null,{"Name":"/b","Op":4,"Key":"/"},{"Name":"/c","Op":-1,"Key":"/"}]',
    );
    expect(parsed.events).toEqual([{ name: '/b', op: 4, key: '/' }]);
    expect(parsed.invalid).toBe(3);
    expect(parseNotifyMessage('nope').error).toMatch(/not JSON/);
    expect(parseNotifyMessage('{"Name":"/a"}').error).toBe('not a JSON array');
  });

  it('format with Go field names, and parse back the same events', () => {
    const events = [{ name: '/n/x', op: 8, key: '/n' }];
    const text = formatNotifyMessage(events);
    expect(text).toBe('[{"Name":"/n/x","Op":8,"Key":"/n"}]');
    expect(parseNotifyMessage(text).events).toEqual(events);
  });
});
