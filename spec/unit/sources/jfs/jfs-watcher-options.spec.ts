import { describe, expect, it } from 'vitest';
import { exponentialBackoff } from '../../../../lib/backoff.ts';
import { OptionsError } from '../../../../lib/errors.ts';
import { FieldTooLongError } from '../../../../lib/jfs-protocol/protocol-errors.ts';
import { jfsChannelId } from '../../../../lib/sources/jfs/jfs-channel-id.ts';
import { AddressError, WatcherNameError } from '../../../../lib/sources/jfs/jfs-client-errors.ts';
import { resolveJfsWatcherOptions } from '../../../../lib/sources/jfs/jfs-watcher-options.ts';

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('resolveJfsWatcherOptions', () => {
  it('defaults every part to "default" and the server to Go’s fallback', () => {
    const options = resolveJfsWatcherOptions({ env: {} });
    expect(options).toMatchObject({
      fsType: 'jfs',
      name: 'batchwatch',
      channelId: 'default/default/default/batchwatch',
      server: 'fsnotify-svc.os-system:1506',
      address: { network: 'tcp', host: 'fsnotify-svc.os-system', port: 1506 },
      maxFrameLength: 1_048_576,
      connectTimeout: 10_000,
      keepAlive: 30_000,
      paths: [],
    });
    expect(Object.isFrozen(options)).toBe(true);
  });

  it('reads the environment; POD_NAME before HOSTNAME; empty counts as unset', () => {
    const env = {
      NAMESPACE: 'os-framework',
      POD_NAME: 'files-7d9f8-abcde',
      HOSTNAME: 'host',
      CONTAINER_NAME: 'files',
      NOTIFY_SERVER: 'unix:///run/notify.sock',
      FS_TYPE: '',
    };
    const options = resolveJfsWatcherOptions({ name: 'mywatcher', env });
    expect(options.channelId).toBe('os-framework/files-7d9f8-abcde/files/mywatcher');
    expect(options.address).toEqual({ network: 'unix', path: '/run/notify.sock' });
    expect(options.fsType).toBe('jfs');
    expect(resolveJfsWatcherOptions({ env: { HOSTNAME: 'host', POD_NAME: '' } }).channelId).toBe(
      'default/host/default/batchwatch',
    );
  });

  it('lets explicit options win over the environment', () => {
    const env = { NAMESPACE: 'a', POD_NAME: 'b', CONTAINER_NAME: 'c', NOTIFY_SERVER: 'x:1' };
    const options = resolveJfsWatcherOptions({
      env,
      namespace: 'n',
      pod: 'p',
      container: 'k',
      name: 'w',
      server: 'y:2',
    });
    expect(options.channelId).toBe('n/p/k/w');
    expect(options.server).toBe('y:2');
  });

  it("refuses a watcher name with '/', as Go does", () => {
    const error = thrown(() => resolveJfsWatcherOptions({ name: 'a/b', env: {} }));
    expect(error).toBeInstanceOf(WatcherNameError);
    expect((error as Error).message).toContain("bad watcher name, illegal character '/'");
    expect(() =>
      jfsChannelId({ namespace: 'n', pod: 'p', container: 'c', watcherName: 'x/' }),
    ).toThrow(WatcherNameError);
  });

  it('does not check the name, nor the server, for the local watcher', () => {
    const options = resolveJfsWatcherOptions({
      name: 'a/b',
      env: { FS_TYPE: 'fs', NOTIFY_SERVER: '?' },
    });
    expect(options).toMatchObject({ fsType: 'fs', channelId: '', address: null });
  });

  it('refuses an unknown fs type, naming where it came from', () => {
    const fromEnv = thrown(() => resolveJfsWatcherOptions({ env: { FS_TYPE: 'nfs' } }));
    expect(fromEnv).toBeInstanceOf(OptionsError);
    expect((fromEnv as Error).message).toMatch(/^unknown fs type "nfs" in \$FS_TYPE/);
    const given = thrown(() => resolveJfsWatcherOptions({ fsType: 'x' as 'fs', env: {} }));
    expect(given).toMatchObject({ option: 'fsType' });
    expect((given as Error).message).toContain('unknown fs type');
  });

  it('refuses ipc:// and bad addresses when the watcher is remote', () => {
    expect(() => resolveJfsWatcherOptions({ server: 'ipc://x', env: {} })).toThrow(/unsupported/);
    expect(() => resolveJfsWatcherOptions({ env: { NOTIFY_SERVER: 'nope' } })).toThrow(
      AddressError,
    );
  });

  it('refuses a channel id or path over 255 bytes', () => {
    expect(
      thrown(() => resolveJfsWatcherOptions({ namespace: 'n'.repeat(250), env: {} })),
    ).toMatchObject({ field: 'channelId' });
    const long = thrown(() =>
      resolveJfsWatcherOptions({ paths: [`/${'p'.repeat(255)}`], env: {} }),
    );
    expect(long).toBeInstanceOf(FieldTooLongError);
    expect(long).toMatchObject({ field: 'path', bytes: 256 });
  });

  it.each([
    [{ nmae: 'x' }, 'nmae'],
    [{ paths: '/data' }, 'paths'],
    [{ paths: [''] }, 'paths'],
    [{ retry: 1000 }, 'retry'],
    [{ maxFrameLength: 2 }, 'maxFrameLength'],
    [{ maxFrameLength: 1.5 }, 'maxFrameLength'],
    [{ connectTimeout: -1 }, 'connectTimeout'],
    [{ keepAlive: Number.NaN }, 'keepAlive'],
    [{ scheduler: {} }, 'scheduler'],
    [{ name: 42 }, 'name'],
  ])('refuses %j, naming the option', (options, option) => {
    const error = thrown(() => resolveJfsWatcherOptions({ env: {}, ...(options as object) }));
    expect(error).toBeInstanceOf(OptionsError);
    expect(error).toMatchObject({ option });
  });

  it('deduplicates the initial paths and keeps a given retry policy', () => {
    const retry = exponentialBackoff({ initial: 5 });
    const options = resolveJfsWatcherOptions({ paths: ['/a', '/b', '/a'], retry, env: {} });
    expect(options.paths).toEqual(['/a', '/b']);
    expect(options.retry).toBe(retry);
  });

  it('takes a transport with dial(), and refuses anything else naming the option', () => {
    const transport = { dial: () => ({ send: () => {}, destroy: () => {} }) };
    expect(resolveJfsWatcherOptions({ env: {}, transport }).transport).toBe(transport);
    expect(resolveJfsWatcherOptions({ env: {} }).transport).toBeUndefined();
    const error = thrown(() => resolveJfsWatcherOptions({ env: {}, transport: {} as never }));
    expect(error).toBeInstanceOf(OptionsError);
    expect((error as OptionsError).option).toBe('transport');
  });
});
