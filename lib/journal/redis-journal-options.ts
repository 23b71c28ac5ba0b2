import { hostname } from 'node:os';
import { OptionsError } from '../errors.ts';
import { optionNames, rejectUnknownOptions, resolveCount, resolveDuration } from '../options.ts';
import { parseRedisAddress, type RedisAddress } from '../redis/redis-address.ts';

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
   * How long, in ms, an entry delivered to a consumer may stay unacknowledged
   * without a sign of life before another consumer of the group takes it over
   * (XAUTOCLAIM). A live consumer renews its entries every third of it, however
   * long its handler and retries take. Default 30,000.
   */
  readonly takeoverTimeout?: number;
  /** Entries a consumer takes per read; it reads again once they are all acknowledged. Default 16. */
  readonly readCount?: number;
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
  readonly readCount: number;
  readonly entryEvents: number;
  readonly commitWindow: number;
  readonly trimInterval: number;
}

/** The defaults of {@link RedisJournalOptions}. */
export const DEFAULT_REDIS_JOURNAL_OPTIONS = Object.freeze({
  stream: 'batchwatch:journal',
  group: 'batchwatch',
  takeoverTimeout: 30_000,
  readCount: 16,
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
  readCount: true,
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
    readCount: resolveCount('readCount', options.readCount ?? d.readCount, { min: 1, max: 10_000 }),
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
