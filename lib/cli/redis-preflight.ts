import { BatchwatchError } from '../errors.ts';
import { readBoundedFileSync } from '../read-bounded-file.ts';
import {
  describeRedisAddress,
  parseRedisAddress,
  type RedisTlsOptions,
} from '../redis/redis-address.ts';
import type { RedisTlsFiles } from './parse-args.ts';
import { UsageError } from './usage-error.ts';

/** The largest PEM file read for `--redis-ca/-cert/-key`, in bytes. */
const MAX_PEM_BYTES = 1024 * 1024;

/** Redis has no database of that number: the command stops at start (exit 2). */
export class RedisDatabaseError extends BatchwatchError {
  override readonly name = 'RedisDatabaseError';
  override readonly code = 'BATCHWATCH_REDIS_DATABASE';
}

/** Reads the `--redis-ca/-cert/-key` files (bounded), for the `redisTls` option. */
export function readRedisTls(files: RedisTlsFiles | undefined): RedisTlsOptions | undefined {
  if (files === undefined) return undefined;
  const read = (flag: string, file: string | undefined): { [k: string]: Buffer } => {
    if (file === undefined) return {};
    try {
      return { [flag.replace('--redis-', '')]: readBoundedFileSync(file, MAX_PEM_BYTES) };
    } catch (err) {
      throw new UsageError(`${flag} ${file}: ${(err as Error).message}.`);
    }
  };
  return {
    ...read('--redis-ca', files.ca),
    ...read('--redis-cert', files.cert),
    ...read('--redis-key', files.key),
  } as RedisTlsOptions;
}

/**
 * Tries Redis once before a server command starts, as the command will
 * reach it (`--redis`, else `$REDIS_ADDR`; `$REDIS_PASSWORD`,
 * `$REDIS_USERNAME`, `$REDIS_DB`): a database the server does not have stops
 * the command (what would it write to?); any other failure (refused, wrong
 * password, TLS) is printed once, in Redis's or the socket's words, and the
 * command starts anyway and keeps trying, as it does after any Redis outage.
 * Never prints a password.
 *
 * @throws RedisDatabaseError when the database does not exist.
 */
export async function redisPreflight(
  redis: string | undefined,
  tls: RedisTlsOptions | undefined,
  env: Readonly<Record<string, string | undefined>>,
  line: (text: string) => unknown,
): Promise<void> {
  const { probeRedis } = await import('../redis/probe-redis.ts');
  const pick = (name: string): string | undefined => (env[name] === '' ? undefined : env[name]);
  const db = Number(pick('REDIS_DB') ?? 0);
  const address = parseRedisAddress(
    redis ?? pick('REDIS_ADDR') ?? '127.0.0.1:6379',
    pick('REDIS_PASSWORD'),
    redis === undefined ? 'REDIS_ADDR' : '--redis',
    Number.isSafeInteger(db) && db >= 0 ? db : 0,
    { username: pick('REDIS_USERNAME'), tls },
  );
  const found = await probeRedis(address);
  const where = describeRedisAddress(address);
  if (found.kind === 'no-database') {
    throw new RedisDatabaseError(
      `Redis at ${where} has no database ${address.db ?? 0} (${found.reason}): give a database the server has (its "databases" setting).`,
    );
  }
  if (found.kind === 'failed') {
    line(`redis: cannot use ${where}: ${found.reason.replace(/\.?$/, '.')} Retrying.`);
  }
}
