import { describe, expect, it } from 'vitest';
import {
  DEFAULT_NOTIFY_SERVER,
  formatAddress,
  parseAddress,
} from '../../../../lib/sources/jfs/address.ts';
import { AddressError } from '../../../../lib/sources/jfs/jfs-client-errors.ts';

describe('parseAddress', () => {
  it.each([
    [
      'fsnotify-svc.os-platform:5079',
      { network: 'tcp', host: 'fsnotify-svc.os-platform', port: 5079 },
    ],
    ['127.0.0.1:1506', { network: 'tcp', host: '127.0.0.1', port: 1506 }],
    ['[::1]:5079', { network: 'tcp', host: '::1', port: 5079 }],
    [':5079', { network: 'tcp', host: '', port: 5079 }],
    ['tcp://host:80', { network: 'tcp', host: 'host', port: 80 }],
    ['TCP://[::1]:80', { network: 'tcp', host: '::1', port: 80 }],
    ['unix:/tmp/x.sock', { network: 'unix', path: '/tmp/x.sock' }],
    ['unix:rel.sock', { network: 'unix', path: 'rel.sock' }],
    ['unix:@abstract', { network: 'unix', path: '@abstract' }],
    ['unix:///var/run/x.sock', { network: 'unix', path: '/var/run/x.sock' }],
    ['unix://x.sock', { network: 'unix', path: 'x.sock' }],
    ['UNIX:///x', { network: 'unix', path: '/x' }],
    ['ipc://notify', { network: 'ipc', name: 'notify', path: '/tmp/notify.sock' }],
  ])('%s', (input, expected) => {
    expect(parseAddress(input)).toEqual(expected);
  });

  it('parses the default server', () => {
    expect(parseAddress(DEFAULT_NOTIFY_SERVER)).toEqual({
      network: 'tcp',
      host: 'fsnotify-svc.os-system',
      port: 1506,
    });
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['host', 'port is missing'],
    ['host:', 'not a number'],
    ['host:0', 'not a number'],
    ['host:65536', 'not a number'],
    ['host:http', 'not a number'],
    ['::1:5079', 'needs brackets'],
    ['[::1:5079', 'unbalanced'],
    ['unix:', 'empty'],
    ['unix://', 'names no socket'],
    ['UNIX:/tmp/x.sock', 'not a number'], // the short form is case-sensitive, as in Go
    ['http://host:80', 'unknown scheme'],
  ])('refuses %j (%s)', (input, reason) => {
    let error: unknown;
    try {
      parseAddress(input);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AddressError);
    expect(error).toMatchObject({ address: input, code: 'BATCHWATCH_JFS_BAD_ADDRESS' });
    expect((error as Error).message).toContain(reason);
  });

  it('formats addresses back for messages', () => {
    expect(formatAddress(parseAddress('[::1]:5079'))).toBe('[::1]:5079');
    expect(formatAddress(parseAddress('h:1'))).toBe('h:1');
    expect(formatAddress(parseAddress('unix:///x'))).toBe('unix:/x');
    expect(formatAddress(parseAddress('ipc://n'))).toBe('ipc://n');
  });
});
