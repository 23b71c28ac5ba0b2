import { describe, expect, it } from 'vitest';
import { OptionsError } from '../../../lib/errors.ts';
import {
  DEFAULT_JFS_DAEMON_OPTIONS,
  resolveJfsDaemonOptions,
} from '../../../lib/jfs-daemon/jfs-daemon-options.ts';

describe('the daemon options', () => {
  it('fills the defaults, reads the Go environment variables, and freezes the result', () => {
    const resolved = resolveJfsDaemonOptions({ env: {} });
    expect(resolved).toMatchObject({
      paths: [],
      followProxies: true,
      redis: { host: '127.0.0.1', port: 6379 },
      channel: 'jfsnotify',
      streamMaxLen: DEFAULT_JFS_DAEMON_OPTIONS.streamMaxLen,
      catchUp: 5000,
      resyncInterval: 10_000,
      maxBacklog: 10_000,
      redisTimeout: 10_000,
    });
    expect(Object.isFrozen(resolved)).toBe(true);
    const fromEnv = resolveJfsDaemonOptions({
      env: { REDIS_ADDR: 'redis:6380', REDIS_PASSWORD: 'pw', REDIS_DB: '10' },
    });
    expect(fromEnv.redis).toEqual({ host: 'redis', port: 6380, db: 10, password: 'pw' });
  });

  it('rejects a misspelled option, listing the known ones', () => {
    const attempt = () => resolveJfsDaemonOptions({ chanel: 'x' } as never);
    expect(attempt).toThrow(/^Unknown option chanel: .*\bchannel\b/);
    expect(attempt).toThrow(/\bredisRetry\b/);
  });

  it.each([
    [{ paths: ['relative'] }, 'paths'],
    [{ channel: '' }, 'channel'],
    [{ streamMaxLen: 0 }, 'streamMaxLen'],
    [{ maxBacklog: 1.5 }, 'maxBacklog'],
    [{ redisDb: -1 }, 'redisDb'],
    [{ env: { REDIS_DB: 'ten' } }, 'REDIS_DB'],
    [{ resyncInterval: 0 }, 'resyncInterval'],
    [{ redisRetry: 5 }, 'redisRetry'],
    [{ redisTimeout: -1 }, 'redisTimeout'],
    [{ redisTimeout: 1.5 }, 'redisTimeout'],
    [{ scheduler: {} }, 'scheduler'],
    [{ feed: { write: () => {} } }, 'feed'],
    [{ followProxies: 'yes' }, 'followProxies'],
  ])('rejects %j, naming %s', (options, option) => {
    let error: unknown;
    try {
      resolveJfsDaemonOptions({ env: {}, ...(options as object) });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(OptionsError);
    expect((error as OptionsError).option).toBe(option);
  });
});
