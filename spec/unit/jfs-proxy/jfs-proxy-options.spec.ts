import { describe, expect, it } from 'vitest';
import { OptionsError } from '../../../lib/errors.ts';
import {
  DEFAULT_JFS_PROXY_OPTIONS,
  resolveJfsProxyOptions,
} from '../../../lib/jfs-proxy/jfs-proxy-options.ts';
import { StaticMountResolver } from '../../../lib/jfs-proxy/static-mount-resolver.ts';

const mounts = new StaticMountResolver([]);
const resolve = (extra: object) => resolveJfsProxyOptions({ mounts, env: {}, ...extra });

describe('resolveJfsProxyOptions', () => {
  it('fills the defaults, freezes the result and reads the Go variables', () => {
    const resolved = resolve({});
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(resolved).toMatchObject({
      listen: { network: 'tcp', host: '0.0.0.0', port: 5079 },
      redis: { host: '127.0.0.1', port: 6379 },
      feed: DEFAULT_JFS_PROXY_OPTIONS.feed,
      maxRecordsPerFrame: 128,
    });
    expect(
      resolve({ env: { MULTICAST_SERVER: '127.0.0.1:7000', REDIS_ADDR: 'r:6390', REDIS_DB: '3' } }),
    ).toMatchObject({
      listen: { network: 'tcp', host: '127.0.0.1', port: 7000 },
      redis: { host: 'r', port: 6390, db: 3 },
    });
  });

  it('listens on :port, host:port, [ipv6]:port, tcp://host:port and unix:/path', () => {
    const listen = (text: string) => resolve({ listen: text }).listen;
    expect(listen(':0')).toEqual({ network: 'tcp', host: '0.0.0.0', port: 0 });
    expect(listen('[::1]:5079')).toEqual({ network: 'tcp', host: '::1', port: 5079 });
    expect(listen('tcp://h:1')).toEqual({ network: 'tcp', host: 'h', port: 1 });
    expect(listen('unix:/tmp/p.sock')).toMatchObject({ network: 'unix', path: '/tmp/p.sock' });
    for (const bad of ['h:70000', 'ipc://x', 'h:1/x']) {
      expect(() => listen(bad)).toThrow(OptionsError);
    }
  });

  it('names the bad option: unknown, out of range, not one of the feeds', () => {
    expect(() => resolve({ maxRecordPerFrame: 3 })).toThrow(/maxRecordPerFrame/);
    expect(() => resolve({ maxRecordsPerFrame: 0 })).toThrow(/maxRecordsPerFrame/);
    expect(() => resolve({ feed: 'kafka' })).toThrow(/feed/);
    expect(() => resolve({ scheduler: {} })).toThrow(/scheduler/);
    expect(() => resolveJfsProxyOptions({ env: {} } as never)).toThrow(/mounts/);
  });
});
