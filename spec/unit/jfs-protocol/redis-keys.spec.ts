import { describe, expect, it } from 'vitest';
import { OptionsError } from '../../../lib/errors.ts';
import { notifyNames, registryKey, registryPattern } from '../../../lib/jfs-protocol/redis-keys.ts';

/** Redis's glob, as SCAN MATCH applies it: `*`, `?`, `[...]` and `\` escapes. */
function globMatches(pattern: string, key: string): boolean {
  let regex = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\') regex += (pattern[++i] ?? '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (c === '*') regex += '.*';
    else if (c === '?') regex += '.';
    else regex += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${regex}$`, 's').test(key);
}

describe('the Redis names of a deployment', () => {
  it('derives every key from the channel, so that two deployments never share one', () => {
    expect(notifyNames('jfsnotify')).toEqual({
      channel: 'jfsnotify',
      stream: 'jfsnotify:stream',
      chain: 'jfsnotify:stream:chain',
      registryPrefix: 'jfsnotify:watches:',
      control: 'jfsnotify:control',
    });
    const a = notifyNames('team-a');
    const b = notifyNames('team-b');
    expect(new Set([a.stream, a.control, registryKey(a, 'p1')])).not.toContain(b.stream);
    expect(registryKey(a, 'p1')).toBe('team-a:watches:p1');
  });

  it('keeps the Go channel but names the database in the control channel (pub/sub ignores it)', () => {
    const db3 = notifyNames('jfsnotify', 3);
    expect(db3.channel).toBe('jfsnotify');
    expect(db3.stream).toBe('jfsnotify:stream');
    expect(db3.control).not.toBe(notifyNames('jfsnotify').control);
    expect(db3.control).not.toBe(notifyNames('jfsnotify', 4).control);
    expect(db3.chain).not.toBe(notifyNames('jfsnotify').chain);
    expect(db3.chain).not.toBe(notifyNames('jfsnotify', 4).chain);
  });

  it("matches every proxy's registry of its own deployment and no other's", () => {
    for (const channel of ['jfsnotify', 'a*', 'x?y', '[ab]', 'back\\slash']) {
      const names = notifyNames(channel);
      const pattern = registryPattern(names);
      expect(globMatches(pattern, registryKey(names, 'host-1-abc'))).toBe(true);
      for (const other of ['ab', 'xzy', 'a', 'backslash', 'jfsnotify2', 'jfsnotif']) {
        if (other === channel) continue;
        expect(globMatches(pattern, registryKey(notifyNames(other), 'p'))).toBe(false);
      }
    }
  });

  it('rejects an empty channel and a bad database number, naming the option', () => {
    expect(() => notifyNames('')).toThrow(OptionsError);
    expect(() => notifyNames('jfsnotify', -1)).toThrow(/redisDb/);
    expect(() => notifyNames('jfsnotify', 1.5)).toThrow(/redisDb/);
  });
});
