import { describe, expect, it } from 'vitest';
import { exponentialBackoff } from '../../../lib/backoff.ts';
import { OptionsError } from '../../../lib/errors.ts';
import {
  DEFAULT_REDIS_RETRY,
  parseRedisAddress,
  redisRetryStrategy,
} from '../../../lib/redis/redis-address.ts';

describe('a Redis address', () => {
  it('reads the database number from host:port/db, else the default given', () => {
    expect(parseRedisAddress('redis://h:6380/10', undefined, 'redisAddr')).toEqual({
      host: 'h',
      port: 6380,
      db: 10,
    });
    expect(parseRedisAddress('h:6380', 'pw', 'redisAddr', 3)).toEqual({
      host: 'h',
      port: 6380,
      db: 3,
      password: 'pw',
    });
    expect(parseRedisAddress('h', undefined, 'redisAddr')).toEqual({ host: 'h', port: 6379 });
    expect(parseRedisAddress('[::1]:7000/2', '', 'redisAddr')).toEqual({
      host: '::1',
      port: 7000,
      db: 2,
    });
    expect(parseRedisAddress(':7000', undefined, 'redisAddr')).toEqual({
      host: '127.0.0.1',
      port: 7000,
    });
  });

  it('rejects what is not host:port/db, naming the option', () => {
    for (const bad of ['h:1/x', 'h:1/', 'h:0', 'h:70000', 'a:b:c', '[::1']) {
      expect(() => parseRedisAddress(bad, undefined, 'redisAddr'), bad).toThrow(OptionsError);
      expect(() => parseRedisAddress(bad, undefined, 'redisAddr'), bad).toThrow(/redisAddr/);
    }
  });
});

describe('a Redis address as people write it', () => {
  it('takes redis:// and rediss:// URLs with an ACL user and a percent-encoded password', () => {
    expect(
      parseRedisAddress('redis://app:p%40ss%3Aw@r.example:6380/3', undefined, 'redisAddr'),
    ).toEqual({
      host: 'r.example',
      port: 6380,
      db: 3,
      username: 'app',
      password: 'p@ss:w',
    });
    expect(parseRedisAddress('redis://:only-pw@r', 'ignored', 'redisAddr')).toEqual({
      host: 'r',
      port: 6379,
      password: 'only-pw',
    });
    expect(
      parseRedisAddress('rediss://[::1]:7000', 'pw', 'redisAddr', 0, {
        username: 'u',
        tls: { ca: 'PEM' },
      }),
    ).toEqual({ host: '::1', port: 7000, username: 'u', password: 'pw', tls: { ca: 'PEM' } });
  });

  it('reads a host named like a scheme as a host', () => {
    expect(parseRedisAddress('redis:6380', undefined, 'redisAddr')).toEqual({
      host: 'redis',
      port: 6380,
    });
    expect(parseRedisAddress('unix:6379/1', undefined, 'redisAddr')).toEqual({
      host: 'unix',
      port: 6379,
      db: 1,
    });
  });

  it('takes unix sockets', () => {
    for (const form of ['unix:/run/redis.sock', 'unix:///run/redis.sock', '/run/redis.sock']) {
      expect(parseRedisAddress(form, undefined, 'redisAddr', 2), form).toMatchObject({
        path: '/run/redis.sock',
        db: 2,
      });
    }
  });

  it('refuses TLS files with a plain address, and never shows the password in an error', () => {
    expect(() =>
      parseRedisAddress('redis://h', undefined, 'redisAddr', 0, { tls: { ca: 'PEM' } }),
    ).toThrow(/rediss:\/\//);
    for (const bad of [
      'redis://u:Secret-1@h:99999',
      'redis://u:Secret-1@h/x',
      'rediss://u:Secret-1@[zz',
    ]) {
      let message = '';
      try {
        parseRedisAddress(bad, undefined, 'redisAddr');
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message, bad).toMatch(/redisAddr/);
      expect(message, bad).not.toContain('Secret-1');
    }
  });
});

describe('the Redis reconnect policy', () => {
  it('keeps the old delays by default: 100 ms doubling, at most 2 s, for ever', () => {
    const strategy = redisRetryStrategy(DEFAULT_REDIS_RETRY);
    expect([1, 2, 3, 4, 5, 6, 50].map(strategy)).toEqual([100, 200, 400, 800, 1600, 2000, 2000]);
  });

  it('follows a given RetryPolicy and stops when it gives up, throws or answers nonsense', () => {
    const strategy = redisRetryStrategy((attempt) => (attempt > 2 ? null : attempt * 10));
    expect([1, 2, 3].map(strategy)).toEqual([10, 20, null]);
    expect(redisRetryStrategy(exponentialBackoff({ initial: 5, max: 5, jitter: 0 }))(9)).toBe(5);
    expect(
      redisRetryStrategy(() => {
        throw new Error('no');
      })(1),
    ).toBeNull();
    expect(redisRetryStrategy((() => 'soon') as unknown as () => number)(1)).toBeNull();
  });
});
