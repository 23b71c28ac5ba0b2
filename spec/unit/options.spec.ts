import { describe, expect, it } from 'vitest';
import { exponentialBackoff } from '../../lib/backoff.ts';
import { resolveRouteOptions } from '../../lib/delivery/route-options.ts';
import { OptionsError } from '../../lib/errors.ts';
import { resolveJfsProxyOptions } from '../../lib/jfs-proxy/jfs-proxy-options.ts';
import { StaticMountResolver } from '../../lib/jfs-proxy/static-mount-resolver.ts';
import { askRetryPolicy, MAX_DURATION_MS, resolveDuration } from '../../lib/options.ts';
import { resolveEventQueueOptions } from '../../lib/queue/event-queue-options.ts';
import { resolveFileSourceOptions } from '../../lib/sources/file/file-source-options.ts';
import { resolveJfsWatcherOptions } from '../../lib/sources/jfs/jfs-watcher-options.ts';
import { resolvePollSourceOptions } from '../../lib/sources/poll/poll-source-options.ts';

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

const mounts = new StaticMountResolver([]);
const poll = {
  fetch: () => Promise.resolve({ events: [], currentRevision: '1' }),
  toEvent: () => ({}) as never,
};

/** Every duration option, by name, and how to give it a value. */
const durations: [string, (value: number) => unknown][] = [
  ['flushInterval', (v) => resolveEventQueueOptions({ flushInterval: v })],
  [
    'timeout',
    (v) => resolveRouteOptions({ key: () => 'a', handlers: { a: () => {} }, timeout: v }),
  ],
  [
    'handlers.a.timeout',
    (v) =>
      resolveRouteOptions({ key: () => 'a', handlers: { a: { handle: () => {}, timeout: v } } }),
  ],
  ['interval', (v) => resolvePollSourceOptions({ ...poll, interval: v })],
  ['initial', (v) => exponentialBackoff({ initial: v, max: MAX_DURATION_MS })],
  ['max', (v) => exponentialBackoff({ initial: 1, max: v })],
  ['connectTimeout', (v) => resolveJfsWatcherOptions({ env: {}, connectTimeout: v })],
  ['keepAlive', (v) => resolveJfsWatcherOptions({ env: {}, keepAlive: v })],
  ['renameWindow', (v) => resolveFileSourceOptions({ renameWindow: v })],
  [
    'awaitWriteFinish.stabilityThreshold',
    (v) => resolveFileSourceOptions({ awaitWriteFinish: { stabilityThreshold: v } }),
  ],
  ['writeDebounce', (v) => resolveJfsProxyOptions({ mounts, env: {}, writeDebounce: v })],
  ['slowClientGrace', (v) => resolveJfsProxyOptions({ mounts, env: {}, slowClientGrace: v })],
  ['registryTtl', (v) => resolveJfsProxyOptions({ mounts, env: {}, registryTtl: v })],
  ['idleTimeout', (v) => resolveJfsProxyOptions({ mounts, env: {}, idleTimeout: v })],
  ['frameDeadline', (v) => resolveJfsProxyOptions({ mounts, env: {}, frameDeadline: v })],
];

describe('duration options', () => {
  it.each(durations)(
    '%s refuses 3e9, NaN and -Infinity by name, and takes 2^31-1',
    (name, give) => {
      for (const bad of [3e9, MAX_DURATION_MS + 1, Number.NaN, Number.NEGATIVE_INFINITY]) {
        const error = thrown(() => give(bad));
        expect(error).toBeInstanceOf(OptionsError);
        expect(error).toMatchObject({ option: name, value: bad });
        expect((error as Error).message).toContain('2147483647');
      }
      expect(() => give(MAX_DURATION_MS)).not.toThrow();
    },
  );

  it('resolveDuration: integer, exclusive minimum and Infinity when asked', () => {
    expect(() => resolveDuration('a', 1.5, { integer: true })).toThrow(/whole number of ms/);
    expect(() => resolveDuration('a', 0, { exclusive: true })).toThrow(/> 0/);
    expect(resolveDuration('a', Number.POSITIVE_INFINITY, { infinity: true })).toBe(
      Number.POSITIVE_INFINITY,
    );
    expect(() => resolveDuration('a', '5')).toThrow(OptionsError);
  });

  it('askRetryPolicy survives the policy and caps its answer', () => {
    expect(askRetryPolicy(() => 3e9, 1, 'p')).toEqual({ retry: true, delay: MAX_DURATION_MS });
    expect(askRetryPolicy(() => -5, 1, 'p')).toEqual({ retry: true, delay: 0 });
    expect(askRetryPolicy(() => null, 1, 'p')).toEqual({ retry: false });
    expect(
      askRetryPolicy(
        () => {
          throw null;
        },
        1,
        'p',
      ),
    ).toEqual({ retry: false, cause: null });
    const nan = askRetryPolicy(() => Number.NaN, 1, 'retry.backoff');
    expect(nan).toMatchObject({
      retry: false,
      cause: { name: 'OptionsError', option: 'retry.backoff' },
    });
  });
});

describe('shared validators', () => {
  it('resolveCount names the option and the range', async () => {
    const { resolveCount } = await import('../../lib/options.ts');
    expect(resolveCount('n', 3, { min: 1 })).toBe(3);
    expect(resolveCount('n', Number.POSITIVE_INFINITY, { infinity: true })).toBe(
      Number.POSITIVE_INFINITY,
    );
    expect(() => resolveCount('maxRetries', 1.5, { min: 0, max: 9 })).toThrow(
      /maxRetries.*a whole number from 0 to 9/,
    );
  });

  it('resolveScheduler, resolveFunction and resolveOneOf refuse the wrong kind', async () => {
    const { resolveFunction, resolveOneOf, resolveScheduler, optionNames } = await import(
      '../../lib/options.ts'
    );
    expect(() => resolveScheduler('scheduler', {})).toThrow(OptionsError);
    expect(() => resolveFunction('fetch', 1, '(since) => response')).toThrow(
      /a function \(since\) => response/,
    );
    expect(resolveOneOf('overflow', 'a', { A: 'a', B: 'b' } as const)).toBe('a');
    expect(() => resolveOneOf('overflow', 'c', { A: 'a', B: 'b' } as const)).toThrow(/'a', 'b'/);
    expect(optionNames({ a: true, b: true })).toEqual(['a', 'b']);
  });
});
