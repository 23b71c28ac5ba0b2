import { asyncScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { route } from '../../../lib/delivery/route.ts';
import { byType } from '../../../lib/delivery/route-key.ts';
import { type RouteOptions, resolveRouteOptions } from '../../../lib/delivery/route-options.ts';
import { OptionsError } from '../../../lib/errors.ts';

const handle = (): void => {};

describe('resolveRouteOptions', () => {
  it('fills the documented defaults and lets each handler override them', () => {
    const resolved = resolveRouteOptions({
      key: byType,
      handlers: { docker: handle, file: { handle, retry: { maxRetries: 3 }, timeout: 50 } },
      retry: { backoff: () => 7 },
    });
    expect(resolved.scheduler).toBe(asyncScheduler);
    expect(resolved.fallback).toBeNull();
    const docker = resolved.handlers.get('docker');
    const file = resolved.handlers.get('file');
    expect(docker).toMatchObject({ maxRetries: 0, timeout: Infinity });
    expect(docker?.backoff(1)).toBe(7);
    expect(file).toMatchObject({ maxRetries: 3, timeout: 50 });
    expect(file?.backoff(1)).toBe(7);
    const plain = resolveRouteOptions({ key: byType, handlers: { docker: handle } });
    const delay = plain.handlers.get('docker')?.backoff(1) ?? 0;
    expect(delay).toBeGreaterThanOrEqual(80);
    expect(delay).toBeLessThanOrEqual(100);
  });

  it('needs no handlers when there is a fallback', () => {
    expect(
      resolveRouteOptions({ key: byType, handlers: {}, fallback: handle }).fallback,
    ).not.toBeNull();
  });

  it.each([
    ['key', { key: 'type' }],
    ['handlers', { handlers: null }],
    ['handlers', { handlers: {} }],
    ['handlers.docker', { handlers: { docker: 'log' } }],
    ['handlers.docker.tries', { handlers: { docker: { handle, tries: 3 } } }],
    [
      'handlers.docker.retry.maxRetries',
      { handlers: { docker: { handle, retry: { maxRetries: -1 } } } },
    ],
    ['handlers.docker.timeout', { handlers: { docker: { handle, timeout: -1 } } }],
    ['retry.backoff', { retry: { backoff: 5 } }],
    ['retry.max', { retry: { max: 2 } }],
    ['retry.maxTries', { retry: { maxTries: 3 } }],
    ['retry.maxRetries', { retry: { maxRetries: 1.5 } }],
    ['timeout', { timeout: Number.NaN }],
    ['fallback', { fallback: {} }],
    ['onError', { onError: 'log' }],
    ['scheduler', { scheduler: {} }],
    ['handler', { handler: handle }],
  ])('rejects a bad %s with an OptionsError naming it', (option, bad) => {
    const options = {
      key: byType,
      handlers: { docker: handle },
      ...bad,
    } as unknown as RouteOptions;
    expect(() => route(options)).toThrow(OptionsError);
    expect(() => route(options)).toThrow(expect.objectContaining({ option }));
  });
});
