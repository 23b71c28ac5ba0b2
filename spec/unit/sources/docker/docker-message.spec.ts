import { describe, expect, it } from 'vitest';
import {
  type DockerMessage,
  formatDockerTime,
  messageKey,
  nanosToMillis,
  parseDockerMessage,
} from '../../../../lib/sources/docker/docker-message.ts';
import { fixture } from './fixture.ts';

function parse(line: string): DockerMessage {
  const message = parseDockerMessage(JSON.parse(line), line);
  if (typeof message === 'string') throw new Error(message);
  return message;
}

describe('parseDockerMessage', () => {
  it('reads every captured container event, with timeNano exact from the raw text', () => {
    const stream = fixture('burst');
    for (const line of stream.lines) {
      const message = parse(line);
      const raw = /"timeNano":(\d+)/.exec(line)?.[1];
      expect(message.timeNano).toBe(BigInt(raw as string));
      expect(message.type).toBe('container');
      expect(message.actorId).toMatch(/^[0-9a-f]{64}$/);
      expect(message.attributes['name']).toMatch(/^fixture-burst-\d+$/);
    }
  });

  it('is exact where JSON.parse rounds', () => {
    // Real timeNano values have 19 digits: most do not survive a double.
    const rounded = fixture('burst').lines.filter((line) => {
      const parsed = JSON.parse(line) as { timeNano: number };
      return BigInt(parsed.timeNano) !== parse(line).timeNano;
    });
    expect(rounded.length).toBeGreaterThan(100);
  });

  it('keeps labels with quotes, backslashes and non-ASCII as the daemon sent them', () => {
    const first = parse(fixture('lifecycle').lines[0] as string);
    expect(first.action).toBe('create');
    expect(first.attributes).toEqual({
      image: 'batchwatch-busybox:test',
      name: 'fixture-web',
      'proxy.host': 'web.local',
      'proxy.port': '8080',
      quote: 'a"b\\c',
      unicode: 'é ✓ 日本 \u2028',
    });
  });

  it('reads non-container events too (the source drops them later)', () => {
    const types = fixture('mixed').lines.map((line) => parse(line).type);
    expect(new Set(types)).toEqual(new Set(['container', 'image', 'network']));
  });

  it('is not fooled by an attribute named timeNano', () => {
    const line =
      '{"Type":"container","Action":"start","Actor":{"ID":"c1","Attributes":{"timeNano":"1"}},' +
      '"time":1700000000,"timeNano":1700000000123456789}';
    expect(parse(line).timeNano).toBe(1700000000123456789n);
  });

  it('falls back to time in seconds when timeNano is missing', () => {
    const line = '{"Type":"container","Action":"start","Actor":{"ID":"c1"},"time":1700000000}';
    expect(parse(line)).toEqual({
      type: 'container',
      action: 'start',
      actorId: 'c1',
      attributes: {},
      timeNano: 1700000000000000000n,
    });
  });

  it('says why a value is not a usable event', () => {
    const reason = (value: unknown): unknown => parseDockerMessage(value, JSON.stringify(value));
    expect(reason([1])).toBe('not an object');
    expect(reason({ Type: 'container' })).toBe('no Type or Action');
    expect(reason({ Type: 'container', Action: 'start' })).toBe('no Actor');
    expect(reason({ Type: 'container', Action: 'start', Actor: {} })).toBe('no Actor.ID');
    expect(
      reason({ Type: 'container', Action: 'start', Actor: { ID: 'c', Attributes: { a: 1 } } }),
    ).toBe('Actor.Attributes is not a map of strings');
    expect(reason({ Type: 'container', Action: 'start', Actor: { ID: 'c' } })).toBe(
      'no timeNano or time',
    );
  });
});

describe('docker times and keys', () => {
  it('formats since/until as seconds.nanoseconds, exactly', () => {
    expect(formatDockerTime(1795238729497672125n)).toBe('1795238729.497672125');
    expect(formatDockerTime(1795238729000000005n)).toBe('1795238729.000000005');
  });

  it('converts to whole milliseconds', () => {
    expect(nanosToMillis(1795238729497672125n)).toBe(1795238729497);
  });

  it('keys differ by time, action and actor', () => {
    const [a, b] = fixture('lifecycle').lines.slice(0, 2).map(parse) as [
      DockerMessage,
      DockerMessage,
    ];
    expect(messageKey(a)).not.toBe(messageKey(b));
    expect(messageKey(a)).toBe(messageKey(parse(fixture('lifecycle').lines[0] as string)));
  });
});
