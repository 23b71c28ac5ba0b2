import { describe, expect, it } from 'vitest';
import { redactSecrets, redactUrl, urlPasswords } from '../../lib/redact.ts';

describe('redaction', () => {
  it('hides the password of every URL, keeps the user and the rest', () => {
    expect(redactUrl('a redis://app:s3cret@r:6379/2 and tcp://me:pw@docker:2375 x')).toBe(
      'a redis://app:***@r:6379/2 and tcp://me:***@docker:2375 x',
    );
    expect(redactUrl('redis://:pw@r')).toBe('redis://:***@r');
    expect(redactUrl('redis://user@r and host:6379')).toBe('redis://user@r and host:6379');
  });

  it('finds URL passwords, as written and decoded, and hides given secrets anywhere', () => {
    expect(urlPasswords(['--redis=redis://a:p%40ss@h', undefined, 'x'])).toEqual([
      'p%40ss',
      'p@ss',
    ]);
    expect(redactSecrets('WRONGPASS for p@ss in p@ss', ['p@ss'])).toBe('WRONGPASS for *** in ***');
    // Too short to look for on its own: only the URL rule applies.
    expect(redactSecrets('a b redis://u:ab@h', ['ab'])).toBe('a b redis://u:***@h');
  });
});
