import { hostname } from 'node:os';
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { RetryPolicy } from '../backoff.ts';
import { OptionsError } from '../errors.ts';
import {
  optionNames,
  rejectUnknownOptions,
  resolveCount,
  resolveDuration,
  resolveFunction,
  resolveScheduler,
} from '../options.ts';
import {
  DEFAULT_REDIS_RETRY,
  parseRedisAddress,
  type RedisAddress,
} from '../redis/redis-address.ts';

/** Options of {@link RedisJournal}. */
export interface RedisJournalOptions {
  /**
   * Where Redis is: `redis://[user[:password]@]host[:port][/db]`, `rediss://...`
   * (TLS), `host:port`, or a parsed {@link RedisAddress}. Required.
   */
  readonly redis: string | RedisAddress;
  /** The stream's key; the journal's other keys start with it. Default `'batchwatch:journal'`. */
  readonly stream?: string;
  /**
   * The consumer group. Consumers in one group share the entries (each to
   * one of them); each group sees every entry. Dead letters and failed tries
   * are the group's. Default `'batchwatch'`.
   */
  readonly group?: string;
  /**
   * This consumer's name in the group; its source checkpoints are kept under
   * it. Give the same name to a restarted process to have it take its own
   * unacknowledged entries back at once and its sources resume; otherwise
   * another consumer (or this one) takes the entries over after
   * `takeoverTimeout`. Two live processes must not share a name. Default
   * `<hostname>-<pid>`.
   */
  readonly consumer?: string;
  /**
   * How long, in ms, a consumer may go without a sign of life before another
   * consumer of the group takes its partitions over (their leases expire) and
   * with them the entries it had not acknowledged (XAUTOCLAIM). A live
   * consumer renews its leases and entries every third of it, however long
   * its handler and retries take. Default 30,000.
   */
  readonly takeoverTimeout?: number;
  /**
   * How many streams the journal is split into (`<stream>:p0` ...; the stream
   * itself when 1). Events go to a partition by key (type and container id or
   * path), and each partition is read by one consumer of a group at a time,
   * so the events of one key are handled in order and never by two consumers
   * at once; partitions are shared out among the live consumers, so at most
   * this many consumers of a group work at once. Every producer and consumer
   * of a stream must use the same number (checked at open: the number is kept
   * in `<stream>:meta`). Default: the stream's own number (1 for a stream
   * written by 0.2.0), 16 for a new stream.
   */
  readonly partitions?: number;
  /**
   * Entries a consumer takes per read and partition; it reads again once they
   * are all acknowledged. Default 16.
   */
  readonly readCount?: number;
  /**
   * At most this many events appended and not yet in Redis (while Redis is
   * away or refuses writes; the commit waiting for Redis's answer included);
   * one more `append` throws a `JournalFullError` instead of growing memory.
   * Default 100,000.
   */
  readonly maxPending?: number;
  /**
   * The delay before retry `attempt` of a refused commit or a failed read
   * (`null`: stop retrying reads). Default 100 ms, doubling, at most 2 s, for
   * ever (`DEFAULT_REDIS_RETRY`).
   */
  readonly retry?: RetryPolicy;
  /** Where the journal's timers run (commits, lease renewals, trims, retries). Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** At most this many events per stream entry (one commit is one or more entries). Default 256. */
  readonly entryEvents?: number;
  /** The group-commit window in ms (see the `Journal` interface). Default 10. */
  readonly commitWindow?: number;
  /** How often, in ms, the stream is trimmed past what every group acknowledged. Default 5,000. */
  readonly trimInterval?: number;
}

/** {@link RedisJournalOptions} validated, defaults filled in. */
export interface ResolvedRedisJournalOptions {
  readonly redis: RedisAddress;
  readonly stream: string;
  readonly group: string;
  readonly consumer: string;
  readonly takeoverTimeout: number;
  readonly partitions: number;
  readonly readCount: number;
  readonly maxPending: number;
  readonly retry: RetryPolicy;
  readonly scheduler: SchedulerLike;
  readonly entryEvents: number;
  readonly commitWindow: number;
  readonly trimInterval: number;
}

/** The defaults of {@link RedisJournalOptions}. */
export const DEFAULT_REDIS_JOURNAL_OPTIONS = Object.freeze({
  stream: 'batchwatch:journal',
  group: 'batchwatch',
  takeoverTimeout: 30_000,
  partitions: 16,
  readCount: 16,
  maxPending: 100_000,
  retry: DEFAULT_REDIS_RETRY,
  scheduler: asyncScheduler as SchedulerLike,
  entryEvents: 256,
  commitWindow: 10,
  trimInterval: 5_000,
});

const names = optionNames({
  redis: true,
  stream: true,
  group: true,
  consumer: true,
  takeoverTimeout: true,
  partitions: true,
  readCount: true,
  maxPending: true,
  retry: true,
  scheduler: true,
  entryEvents: true,
  commitWindow: true,
  trimInterval: true,
} satisfies Record<keyof RedisJournalOptions, true>);

/** Validates and completes {@link RedisJournalOptions}; throws an `OptionsError` naming a bad option. */
export function resolveRedisJournalOptions(
  options: RedisJournalOptions,
): ResolvedRedisJournalOptions {
  if (options === null || typeof options !== 'object') {
    throw new OptionsError('options', options, 'an options object { redis }');
  }
  rejectUnknownOptions(options, names);
  const d = DEFAULT_REDIS_JOURNAL_OPTIONS;
  const redis =
    typeof options.redis === 'string'
      ? parseRedisAddress(options.redis, undefined, 'redis')
      : resolveAddress(options.redis);
  return Object.freeze({
    redis,
    stream: resolveName('stream', options.stream ?? d.stream),
    group: resolveName('group', options.group ?? d.group),
    consumer: resolveName('consumer', options.consumer ?? `${hostname()}-${process.pid}`),
    takeoverTimeout: resolveDuration(
      'takeoverTimeout',
      options.takeoverTimeout ?? d.takeoverTimeout,
      {
        min: 30,
        integer: true,
      },
    ),
    partitions: resolveCount('partitions', options.partitions ?? d.partitions, {
      min: 1,
      max: 1_024,
    }),
    readCount: resolveCount('readCount', options.readCount ?? d.readCount, { min: 1, max: 10_000 }),
    maxPending: resolveCount('maxPending', options.maxPending ?? d.maxPending, { min: 1 }),
    retry: resolveFunction<RetryPolicy>(
      'retry',
      options.retry ?? d.retry,
      '(attempt) => ms | null',
    ),
    scheduler: resolveScheduler('scheduler', options.scheduler ?? d.scheduler),
    entryEvents: resolveCount('entryEvents', options.entryEvents ?? d.entryEvents, {
      min: 1,
      max: 100_000,
    }),
    commitWindow: resolveDuration('commitWindow', options.commitWindow ?? d.commitWindow),
    trimInterval: resolveDuration('trimInterval', options.trimInterval ?? d.trimInterval, {
      min: 1,
      integer: true,
    }),
  });
}

function resolveName(option: string, value: unknown): string {
  if (typeof value !== 'string' || value === '')
    throw new OptionsError(option, value, 'a non-empty string');
  return value;
}

function resolveAddress(value: unknown): RedisAddress {
  const address = value as Partial<RedisAddress> | null;
  if (typeof address?.host !== 'string' || typeof address.port !== 'number') {
    throw new OptionsError(
      'redis',
      '(an object)',
      'a redis:// URL or a RedisAddress { host, port }',
    );
  }
  return address as RedisAddress;
}
