import { describe, expect, it } from 'vitest';
import { parseHostPort } from '../../lib/host-port.ts';

describe('parseHostPort', () => {
  it.each([
    ['redis', { host: 'redis', port: undefined, path: '' }],
    ['127.0.0.1:6379', { host: '127.0.0.1', port: 6379, path: '' }],
    [':5079', { host: '', port: 5079, path: '' }],
    ['[::1]:0', { host: '::1', port: 0, path: '' }],
    ['redis:6379/3', { host: 'redis', port: 6379, path: '/3' }],
    ['docker:2375/', { host: 'docker', port: 2375, path: '/' }],
  ])('splits %s', (text, parts) => {
    expect(parseHostPort(text)).toEqual(parts);
  });

  it.each(['::1:80', 'host:65536', 'host:port', 'host:123456', '[::1', 'a]:1'])(
    'refuses %s',
    (text) => {
      expect(parseHostPort(text)).toBeNull();
    },
  );
});
