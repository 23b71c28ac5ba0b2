// The retry policy has one option name, `retry`, everywhere; the old names (`reconnect`,
// `backoff`, `redisRetry`, `retry: { maxRetries, backoff }`) keep working for this minor version
// with one DeprecationWarning per old name and process.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

type Modules = Awaited<ReturnType<typeof load>>;

/** Fresh copies of the modules, so that each test starts with nothing reported yet. */
async function load() {
  vi.resetModules();
  return {
    deprecated: await import('../../lib/deprecated-option.ts'),
    docker: await import('../../lib/sources/docker/docker-source-options.ts'),
    poll: await import('../../lib/sources/poll/poll-source-options.ts'),
    jfs: await import('../../lib/sources/jfs/jfs-watcher-options.ts'),
    daemon: await import('../../lib/jfs-daemon/jfs-daemon-options.ts'),
    queue: await import('../../lib/queue/event-queue-options.ts'),
    route: await import('../../lib/delivery/route-options.ts'),
  };
}

const fetch = () => Promise.resolve({ events: [], currentRevision: '1' });
const toEvent = () => ({}) as never;
const client = { events: () => Promise.reject(new Error('unused')), containers: () => [] };

let warnings: { message: string; type: string | undefined; code: string | undefined }[];
let m: Modules;

beforeEach(async () => {
  warnings = [];
  vi.spyOn(process, 'emitWarning').mockImplementation(((
    warning: string | Error,
    options?: { type?: string; code?: string },
  ) => {
    warnings.push({ message: String(warning), type: options?.type, code: options?.code });
  }) as typeof process.emitWarning);
  m = await load();
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** Each old name, how to give it a policy, and how to read the policy back once resolved. */
const renamed: [string, string, (m: Modules, policy: () => number) => unknown][] = [
  [
    'reconnect',
    'dockerSource',
    (m, policy) =>
      m.docker.resolveDockerSourceOptions({ docker: client as never, reconnect: policy }).retry,
  ],
  [
    'backoff',
    'pollSource',
    (m, policy) => m.poll.resolvePollSourceOptions({ fetch, toEvent, backoff: policy }).retry,
  ],
  [
    'reconnect',
    'JfsWatcher',
    (m, policy) => m.jfs.resolveJfsWatcherOptions({ env: {}, reconnect: policy }).retry,
  ],
  [
    'redisRetry',
    'JfsDaemon',
    (m, policy) => m.daemon.resolveJfsDaemonOptions({ env: {}, redisRetry: policy }).retry,
  ],
  [
    'retry: { maxRetries, backoff }',
    'EventQueue',
    (m, policy) =>
      m.queue.resolveEventQueueOptions({ retry: { maxRetries: 1, backoff: policy } }).retry.backoff,
  ],
  [
    'retry: { maxRetries, backoff }',
    'route',
    (m, policy) =>
      m.route
        .resolveRouteOptions({
          key: () => 'a',
          handlers: { a: { handle: () => {}, retry: { backoff: policy } } },
        })
        .handlers.get('a')?.backoff,
  ],
];

describe('deprecated retry option names', () => {
  it.each(renamed)(
    '%s (%s) still sets the retry policy, with one DeprecationWarning',
    (old, _, give) => {
      const policy = (): number => 7;
      expect(give(m, policy)).toBe(policy);
      expect(give(m, policy)).toBe(policy);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.type).toBe('DeprecationWarning');
      expect(warnings[0]?.code).toMatch(/^BATCHWATCH_DEP_[A-Z_]+$/);
      expect(warnings[0]?.message).toContain(old);
      expect(warnings[0]?.message).toContain('use retry');
    },
  );

  it('warns once per old name, each with its own code', () => {
    const policy = (): number => 1;
    for (const [, , give] of [...renamed, ...renamed]) give(m, policy);
    expect(warnings.map((w) => w.code).sort()).toEqual([
      'BATCHWATCH_DEP_BACKOFF',
      'BATCHWATCH_DEP_RECONNECT',
      'BATCHWATCH_DEP_REDIS_RETRY',
      'BATCHWATCH_DEP_RETRY_OBJECT',
    ]);
  });

  it('the new name says nothing', () => {
    const policy = (): number => 3;
    expect(
      m.docker.resolveDockerSourceOptions({ docker: client as never, retry: policy }).retry,
    ).toBe(policy);
    expect(m.poll.resolvePollSourceOptions({ fetch, toEvent, retry: policy }).retry).toBe(policy);
    expect(m.jfs.resolveJfsWatcherOptions({ env: {}, retry: policy }).retry).toBe(policy);
    expect(m.daemon.resolveJfsDaemonOptions({ env: {}, retry: policy }).retry).toBe(policy);
    expect(m.queue.resolveEventQueueOptions({ retry: policy, maxRetries: 2 }).retry).toEqual({
      maxRetries: 2,
      backoff: policy,
    });
    const routed = m.route.resolveRouteOptions({
      key: () => 'a',
      retry: policy,
      maxRetries: 4,
      handlers: { a: () => {}, b: { handle: () => {}, maxRetries: 1 } },
    });
    expect(routed.handlers.get('a')).toMatchObject({ maxRetries: 4, backoff: policy });
    expect(routed.handlers.get('b')).toMatchObject({ maxRetries: 1, backoff: policy });
    expect(warnings).toEqual([]);
  });

  it('giving the old and the new name is an error naming the old one', () => {
    const p = (): number => 1;
    expect(() =>
      m.docker.resolveDockerSourceOptions({ docker: client as never, retry: p, reconnect: p }),
    ).toThrow(/Bad option reconnect: expected nothing: it was renamed retry/);
    expect(() => m.poll.resolvePollSourceOptions({ fetch, toEvent, retry: p, backoff: p })).toThrow(
      /Bad option backoff/,
    );
    expect(() => m.jfs.resolveJfsWatcherOptions({ env: {}, retry: p, reconnect: p })).toThrow(
      /Bad option reconnect/,
    );
    expect(() => m.daemon.resolveJfsDaemonOptions({ env: {}, retry: p, redisRetry: p })).toThrow(
      /Bad option redisRetry/,
    );
    expect(() =>
      m.queue.resolveEventQueueOptions({ retry: { maxRetries: 1 }, maxRetries: 2 }),
    ).toThrow(/Bad option retry.maxRetries/);
    expect(() =>
      m.route.resolveRouteOptions({
        key: () => 'a',
        handlers: { a: { handle: () => {}, retry: { maxRetries: 1 }, maxRetries: 2 } },
      }),
    ).toThrow(/Bad option handlers.a.retry.maxRetries/);
  });

  it('a retry that is neither a policy nor the old object is refused', () => {
    expect(() => m.queue.resolveEventQueueOptions({ retry: 5 as never })).toThrow(
      /Bad option retry: expected a policy/,
    );
    expect(() =>
      m.route.resolveRouteOptions({
        key: () => 'a',
        handlers: { a: () => {} },
        retry: 'x' as never,
      }),
    ).toThrow(/Bad option retry: expected a policy/);
  });

  it('names its codes after the old option', () => {
    expect(m.deprecated.deprecatedOptionCode('redisRetry')).toBe('BATCHWATCH_DEP_REDIS_RETRY');
    expect(m.deprecated.deprecatedOptionCode('retry.backoff')).toBe('BATCHWATCH_DEP_RETRY_BACKOFF');
  });
});
