import { asyncScheduler, NEVER } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { OptionsError } from '../../../../lib/errors.ts';
import { pollSource } from '../../../../lib/sources/poll/poll-source.ts';
import {
  type PollSourceOptions,
  resolvePollSourceOptions,
} from '../../../../lib/sources/poll/poll-source-options.ts';
import { type Change, toEvent } from './feed.ts';

const base: PollSourceOptions<Change> = { fetch: () => NEVER, toEvent };

describe('resolvePollSourceOptions', () => {
  it('fills the documented defaults', () => {
    const resolved = resolvePollSourceOptions(base);
    expect(resolved).toMatchObject({
      interval: 1000,
      startRevision: null,
      maxRetries: 2,
      scheduler: asyncScheduler,
    });
    expect(Object.isFrozen(resolved)).toBe(true);
    // Default backoff: from the interval, doubling, 20 % jitter.
    expect(resolved.retry(1)).toBeGreaterThanOrEqual(800);
    expect(resolved.retry(1)).toBeLessThanOrEqual(1000);
    expect(resolved.retry(2)).toBeGreaterThanOrEqual(1600);
    expect(resolvePollSourceOptions({ ...base, maxRetries: Infinity }).maxRetries).toBe(Infinity);
  });

  it.each([
    ['fetch', { fetch: 'http://x' }],
    ['toEvent', { toEvent: undefined }],
    ['interval', { interval: 0 }],
    ['interval', { interval: Number.POSITIVE_INFINITY }],
    ['startRevision', { startRevision: '-1' }],
    ['startRevision', { startRevision: 5 }],
    ['maxRetries', { maxRetries: -1 }],
    ['maxRetries', { maxRetries: 1.5 }],
    ['retry', { retry: 100 }],
    ['scheduler', { scheduler: {} }],
    ['intervall', { intervall: 5 }],
  ])('rejects a bad %s with an OptionsError naming it', (option, bad) => {
    const options = { ...base, ...bad } as unknown as PollSourceOptions<Change>;
    expect(() => pollSource(options)).toThrow(OptionsError);
    expect(() => pollSource(options)).toThrow(expect.objectContaining({ option }));
  });
});
