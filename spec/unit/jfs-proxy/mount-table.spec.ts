import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  isWithin,
  nodeToPodPath,
  type PodMount,
  parseChannelId,
  podToNodePath,
} from '../../../lib/jfs-proxy/mount-table.ts';
import { MountsFileError } from '../../../lib/jfs-proxy/proxy-errors.ts';
import { StaticMountResolver } from '../../../lib/jfs-proxy/static-mount-resolver.ts';

const mounts: PodMount[] = [
  { mountPath: '/data', hostPath: '/var/lib/pods/web-0/data' },
  { mountPath: '/data/cache', hostPath: '/mnt/fast/web-0' },
  { mountPath: '/etc/app', hostPath: '/srv/config/app' },
];

describe('path mapping', () => {
  it('matches a mount only at a path boundary (not /data for /database)', () => {
    expect(isWithin('/data', '/data')).toBe(true);
    expect(isWithin('/data/x', '/data')).toBe(true);
    expect(isWithin('/database', '/data')).toBe(false);
    expect(isWithin('/anything', '/')).toBe(true);
    expect(podToNodePath('/database/x', mounts)).toBeUndefined();
  });

  it('maps pod paths to node paths through the longest mount, and back', () => {
    expect(podToNodePath('/data', mounts)).toBe('/var/lib/pods/web-0/data');
    expect(podToNodePath('/data/a/b.txt', mounts)).toBe('/var/lib/pods/web-0/data/a/b.txt');
    expect(podToNodePath('/data/cache/x', mounts)).toBe('/mnt/fast/web-0/x');
    expect(podToNodePath('/etc/app/', mounts)).toBe('/srv/config/app');
    expect(nodeToPodPath('/mnt/fast/web-0/x', mounts)).toBe('/data/cache/x');
    expect(nodeToPodPath('/var/lib/pods/web-0/data/a', mounts)).toBe('/data/a');
    expect(nodeToPodPath('/var/lib/pods/web-0/database', mounts)).toBeUndefined();
  });

  it('parses channel ids lowercased, and rejects malformed ones', () => {
    expect(parseChannelId('Default/Web-0/App/config')).toEqual({
      namespace: 'default',
      pod: 'web-0',
      container: 'app',
      watcher: 'config',
    });
    expect(parseChannelId('a/b/c')).toBeUndefined();
    expect(parseChannelId('a//c/d')).toBeUndefined();
  });
});

describe('StaticMountResolver', () => {
  it('reads a mounts file and resolves containers case-insensitively', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mounts-'));
    const file = join(dir, 'mounts.json');
    await writeFile(
      file,
      JSON.stringify([
        { namespace: 'default', pod: 'Web-0', container: 'app', mounts: [mounts[0]] },
      ]),
    );
    const resolver = StaticMountResolver.fromFile(file);
    expect(resolver.mountsOf({ namespace: 'default', pod: 'web-0', container: 'app' })).toEqual([
      mounts[0],
    ]);
    expect(
      resolver.mountsOf({ namespace: 'default', pod: 'web-1', container: 'app' }),
    ).toBeUndefined();
  });

  it.each([
    ['not JSON', '{', /is not JSON/],
    ['not an array', '{}', /JSON array/],
    [
      'a missing pod',
      '[{"namespace":"a","container":"c","mounts":[]}]',
      /needs a non-empty string at \[0\]\.pod/,
    ],
    [
      'a relative mountPath',
      '[{"namespace":"a","pod":"p","container":"c","mounts":[{"mountPath":"data","hostPath":"/x"}]}]',
      /needs an absolute path at \[0\]\.mounts\[0\]\.mountPath/,
    ],
  ])('rejects a mounts file with %s, naming the file', async (_what, text, message) => {
    const dir = await mkdtemp(join(tmpdir(), 'mounts-'));
    const file = join(dir, 'mounts.json');
    await writeFile(file, text);
    let caught: unknown;
    try {
      StaticMountResolver.fromFile(file);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(MountsFileError);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).toContain(file);
  });
});
