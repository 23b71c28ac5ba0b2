import { describe, expect, it } from 'vitest';
import { OptionsError } from '../../../lib/errors.ts';
import {
  addressAllowed,
  ClientIdentityError,
  clientAddress,
} from '../../../lib/jfs-proxy/client-identity.ts';
import { StaticMountResolver } from '../../../lib/jfs-proxy/static-mount-resolver.ts';

const ref = { namespace: 'default', pod: 'web-0', container: 'app' };
const mounts = [{ mountPath: '/data', hostPath: '/var/lib/web-0' }];

describe('client identity', () => {
  it('compares an IPv4-mapped IPv6 client as its IPv4 address, IPv6 case-insensitively', () => {
    expect(clientAddress('::ffff:10.0.0.7')).toBe('10.0.0.7');
    expect(clientAddress('FD00::7')).toBe('fd00::7');
    expect(addressAllowed('::ffff:10.0.0.7', ['10.0.0.7'])).toBe(true);
    expect(addressAllowed('fd00::7', ['FD00::7'])).toBe(true);
    expect(addressAllowed('10.0.0.8', ['10.0.0.7', 'fd00::7'])).toBe(false);
    expect(addressAllowed('10.0.0.7', [])).toBe(false);
    // Not an address: never allowed, whatever the list holds.
    expect(addressAllowed('unix socket', ['unix socket'])).toBe(false);
  });

  it('a mounts file entry with allowedAddresses refuses other clients, and one without admits any', () => {
    const resolver = new StaticMountResolver([
      { ...ref, mounts, allowedAddresses: ['10.0.0.7'] },
      { ...ref, container: 'open', mounts },
    ]);
    expect(resolver.mountsOf(ref, { address: '10.0.0.7' })).toEqual(mounts);
    expect(resolver.mountsOf(ref, { address: '::ffff:10.0.0.7' })).toEqual(mounts);
    expect(() => resolver.mountsOf(ref, { address: '10.0.0.8' })).toThrow(ClientIdentityError);
    expect(resolver.mountsOf({ ...ref, container: 'open' }, { address: '10.0.0.8' })).toEqual(
      mounts,
    );
    // A unix socket has no address to check (the proxy's own machine).
    expect(resolver.mountsOf(ref, {})).toEqual(mounts);
  });

  it('refuses allowedAddresses that are not a list of IP addresses, naming the entry', () => {
    expect(
      () =>
        new StaticMountResolver([
          { ...ref, mounts, allowedAddresses: ['web-0.default'] as readonly string[] },
        ]),
    ).toThrow(OptionsError);
    expect(
      () => new StaticMountResolver([{ ...ref, mounts, allowedAddresses: ['10.0.0.300'] }]),
    ).toThrow(/entries\[0\]\.allowedAddresses/);
  });
});
