import { describe, expect, it } from 'vitest';
import { feedScriptArgs } from '../../../lib/jfs-daemon/feed-script.ts';

describe('feedScriptArgs', () => {
  it('lays out the entries first (bound, field count, fields), then the messages, each in order', () => {
    const args = feedScriptArgs(
      'jfsnotify',
      'jfsnotify:stream:chain',
      [
        { kind: 'append', fields: ['marker', 'daemon-start', 'daemon', 'h-1'], changes: 1 },
        { kind: 'publish', message: 'm1' },
        { kind: 'append', fields: ['Events', '[...]'], changes: 2 },
        { kind: 'publish', message: 'm2' },
      ],
      [100, 0, 99, 0],
    );
    expect(args).toEqual([
      'jfsnotify',
      'jfsnotify:stream:chain',
      '2',
      '100',
      '4',
      'marker',
      'daemon-start',
      'daemon',
      'h-1',
      '99',
      '2',
      'Events',
      '[...]',
      'm1',
      'm2',
    ]);
  });

  it('a write of messages only appends nothing', () => {
    expect(feedScriptArgs('c', '', [{ kind: 'publish', message: 'm' }], [0])).toEqual([
      'c',
      '',
      '0',
      'm',
    ]);
  });
});
