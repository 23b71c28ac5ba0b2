import { describe, expect, it } from 'vitest';
import {
  entryTime,
  eventFields,
  markerFields,
  parseStreamEntry,
} from '../../../lib/jfs-protocol/notify-stream.ts';
import { parseRedisAddress } from '../../../lib/jfs-proxy/redis-address.ts';

describe('the stream format and the Redis address', () => {
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

  it('reads the database number from host:port/db, else the default given', () => {
    expect(parseRedisAddress('redis://h:6380/10', undefined, 'redisAddr')).toEqual({
      host: 'h',
      port: 6380,
      db: 10,
    });
    expect(parseRedisAddress('h:6380', 'pw', 'redisAddr', 3)).toEqual({
      host: 'h',
      port: 6380,
      db: 3,
      password: 'pw',
    });
    expect(parseRedisAddress('h', undefined, 'redisAddr')).toEqual({ host: 'h', port: 6379 });
    expect(() => parseRedisAddress('h:1/x', undefined, 'redisAddr')).toThrow('redisAddr');
  });
});
