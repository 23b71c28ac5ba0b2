import type { Observable, SchedulerLike } from 'rxjs';
import { asyncScheduler } from 'rxjs/internal/scheduler/async';
import type { RetryPolicy } from '../backoff.ts';
import { readRenamedOption } from '../deprecated-option.ts';
import { OptionsError } from '../errors.ts';
import { NOTIFY_CHANNEL } from '../jfs-protocol/notify-message.ts';
import {
  optionNames,
  rejectUnknownOptions,
  resolveCollaborator,
  resolveCount,
  resolveDuration,
  resolveFunction,
  resolveScheduler,
} from '../options.ts';
import {
  DEFAULT_REDIS_RETRY,
  parseRedisAddress,
  type RedisAddress,
  type RedisTlsOptions,
} from '../redis/redis-address.ts';
import type { ChangeFeed } from './change-feed.ts';
import type { PathWatcher } from './path-watcher.ts';
import type { WatchList } from './watch-list.ts';

/** Options of `JfsDaemon`; the Go daemon's environment variables are the defaults. */
export interface JfsDaemonOptions {
  /** Node paths always watched (non-recursively). Default none. */
  readonly paths?: readonly string[];
  /**
   * The directories anything may make the daemon watch in (arguments,
   * registry entries, FSWatchers); other paths, and paths that lead out
   * through a symbolic link below a root, are refused with a warning (see
   * `AllowedRoots`). Default none: `/`, any path, still without such links.
   */
  readonly roots?: readonly string[];
  /**
   * Most node paths registry entries and the path source may make the daemon
   * watch at once (each costs a watcher, about 65 KB); beyond, paths are
   * refused with a warning. The `paths` given are always watched. Default 8192.
   */
  readonly maxWatches?: number;
  /** Also watch the node paths proxies register (see `watchList`). Default `true`. */
  readonly followProxies?: boolean;
  /** Redis `host:port` or `host:port/db`. Default `$REDIS_ADDR`, else `127.0.0.1:6379`. */
  readonly redisAddr?: string;
  /** Redis password, when the address has none. Default `$REDIS_PASSWORD`, else none. */
  readonly redisPassword?: string;
  /** Redis ACL user, when the address names none. Default `$REDIS_USERNAME`, else the default user. */
  readonly redisUsername?: string;
  /** TLS files for a `rediss://` address (a private CA, a client certificate). Default the system's CAs. */
  readonly redisTls?: RedisTlsOptions;
  /** Redis database of the stream and the registry (pub/sub ignores it). Default `$REDIS_DB`, else 0. */
  readonly redisDb?: number;
  /** How Redis connections reconnect. Default 100 ms doubling up to 2 s, for ever. */
  readonly retry?: RetryPolicy;
  /** @deprecated Renamed `retry` (same meaning); giving both is an error. */
  readonly redisRetry?: RetryPolicy;
  /**
   * How long a Redis connection waits for an answer before it is closed and
   * made again (a frozen or overloaded Redis): the status leaves `ready`, one
   * warning names the cause, and changes wait in the bounded backlog. In ms;
   * 0 waits for ever. Default 10000.
   */
  readonly redisTimeout?: number;
  /**
   * The pub/sub channel to publish to (Go format, one event per message).
   * The stream is `<channel>:stream`, the registry `<channel>:watches:*`.
   * Default `jfsnotify`.
   */
  readonly channel?: string;
  /**
   * Changes the stream keeps, roughly (`XADD ... MAXLEN ~`, scaled by the
   * changes per entry: a burst is one entry). Default 100000.
   */
  readonly streamMaxLen?: number;
  /**
   * When a registered path starts being watched, what was created or written
   * this long before the daemon learned of it is reported too, in ms. Default 5000.
   */
  readonly catchUp?: number;
  /** How often the registered paths are re-read even without a control message, in ms. Default 10000. */
  readonly resyncInterval?: number;
  /** Changes kept while Redis is away; beyond, the oldest are dropped and counted. Default 10000. */
  readonly maxBacklog?: number;
  /** More node paths to watch, as a whole set on every change (Kubernetes mode: `FsWatcherPaths`). Default none. */
  readonly pathSource?: { readonly paths$: Observable<ReadonlySet<string>> };
  /** Where changes go. Default the Redis stream and channel at `redisAddr`. */
  readonly feed?: ChangeFeed;
  /** Where the paths proxies register are read (with `followProxies`). Default the Redis registry at `redisAddr`. */
  readonly watchList?: WatchList;
  /** What watches node paths. Default non-recursive chokidar watches with fsnotify's ops. */
  readonly watcher?: PathWatcher;
  /**
   * Where the daemon's timers run (write batching, re-reads, the close
   * timeout). Default `asyncScheduler`. The default `watcher` keeps real time
   * (its rename pairing follows real file events).
   */
  readonly scheduler?: SchedulerLike;
  /** The environment to read. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The defaults of {@link JfsDaemonOptions} (environment variables aside). */
export const DEFAULT_JFS_DAEMON_OPTIONS = Object.freeze({
  paths: [] as readonly string[],
  roots: [] as readonly string[],
  maxWatches: 8192,
  followProxies: true,
  redisAddr: '127.0.0.1:6379',
  redisDb: 0,
  retry: DEFAULT_REDIS_RETRY,
  redisTimeout: 10_000,
  channel: NOTIFY_CHANNEL,
  streamMaxLen: 100_000,
  catchUp: 5000,
  resyncInterval: 10_000,
  maxBacklog: 10_000,
  scheduler: asyncScheduler as SchedulerLike,
});

/** {@link JfsDaemonOptions} validated, with every default filled in. */
export interface ResolvedJfsDaemonOptions {
  readonly paths: readonly string[];
  readonly roots: readonly string[];
  readonly maxWatches: number;
  readonly followProxies: boolean;
  readonly redis: RedisAddress;
  readonly retry: RetryPolicy;
  readonly redisTimeout: number;
  readonly channel: string;
  readonly streamMaxLen: number;
  readonly catchUp: number;
  readonly resyncInterval: number;
  readonly maxBacklog: number;
  readonly pathSource: { readonly paths$: Observable<ReadonlySet<string>> } | undefined;
  readonly feed: ChangeFeed | undefined;
  readonly watchList: WatchList | undefined;
  readonly watcher: PathWatcher | undefined;
  readonly scheduler: SchedulerLike;
}

const names = optionNames({
  paths: true,
  roots: true,
  maxWatches: true,
  followProxies: true,
  redisAddr: true,
  redisPassword: true,
  redisUsername: true,
  redisTls: true,
  redisDb: true,
  retry: true,
  redisRetry: true,
  redisTimeout: true,
  channel: true,
  streamMaxLen: true,
  catchUp: true,
  resyncInterval: true,
  maxBacklog: true,
  pathSource: true,
  feed: true,
  watchList: true,
  watcher: true,
  scheduler: true,
  env: true,
} satisfies Record<keyof JfsDaemonOptions, true>);

/**
 * Validates `options`, fills the defaults (from `env` where Go reads one) and freezes.
 *
 * @throws OptionsError naming the first bad or unknown option.
 */
export function resolveJfsDaemonOptions(options: JfsDaemonOptions = {}): ResolvedJfsDaemonOptions {
  if (options === null || typeof options !== 'object') {
    throw new OptionsError('options', options, 'an options object');
  }
  rejectUnknownOptions(options, names);
  const d = DEFAULT_JFS_DAEMON_OPTIONS;
  const env = options.env ?? process.env;
  const paths = options.paths ?? d.paths;
  if (
    !Array.isArray(paths) ||
    paths.some((path) => typeof path !== 'string' || !path.startsWith('/'))
  ) {
    throw new OptionsError('paths', paths, 'absolute node paths');
  }
  const roots = options.roots ?? d.roots;
  if (
    !Array.isArray(roots) ||
    roots.some((root) => typeof root !== 'string' || !root.startsWith('/'))
  ) {
    throw new OptionsError('roots', roots, 'absolute node directories');
  }
  const channel = options.channel ?? d.channel;
  if (typeof channel !== 'string' || channel === '') {
    throw new OptionsError('channel', channel, 'a non-empty channel name');
  }
  const envDb = env['REDIS_DB'];
  const db =
    options.redisDb !== undefined
      ? resolveCount('redisDb', options.redisDb)
      : envDb === undefined || envDb === ''
        ? d.redisDb
        : resolveCount('REDIS_DB', Number(envDb));
  return Object.freeze({
    paths: Object.freeze([...paths]),
    roots: Object.freeze([...roots]),
    maxWatches: resolveCount('maxWatches', options.maxWatches ?? d.maxWatches, { min: 1 }),
    followProxies: optionalBoolean('followProxies', options.followProxies, d.followProxies),
    redis: parseRedisAddress(
      options.redisAddr ?? (env['REDIS_ADDR'] || d.redisAddr),
      options.redisPassword ?? env['REDIS_PASSWORD'],
      'redisAddr',
      db,
      { username: options.redisUsername ?? env['REDIS_USERNAME'], tls: options.redisTls },
    ),
    retry: resolveFunction<RetryPolicy>(
      options.redisRetry === undefined ? 'retry' : 'redisRetry',
      readRenamedOption(options, 'retry', 'redisRetry') ?? d.retry,
      '(attempt) => ms | null',
    ),
    redisTimeout: resolveDuration('redisTimeout', options.redisTimeout ?? d.redisTimeout, {
      integer: true,
    }),
    channel,
    streamMaxLen: resolveCount('streamMaxLen', options.streamMaxLen ?? d.streamMaxLen, { min: 1 }),
    catchUp: resolveDuration('catchUp', options.catchUp ?? d.catchUp, { integer: true }),
    resyncInterval: resolveDuration('resyncInterval', options.resyncInterval ?? d.resyncInterval, {
      exclusive: true,
    }),
    maxBacklog: resolveCount('maxBacklog', options.maxBacklog ?? d.maxBacklog, { min: 1 }),
    pathSource: resolveCollaborator('pathSource', options.pathSource, ['paths$']),
    feed: resolveCollaborator('feed', options.feed, ['status$', 'write', 'close']),
    watchList: resolveCollaborator('watchList', options.watchList, ['changes$', 'read', 'close']),
    watcher: resolveCollaborator('watcher', options.watcher, [
      'events$',
      'warnings$',
      'add',
      'remove',
    ]),
    scheduler: resolveScheduler('scheduler', options.scheduler ?? d.scheduler),
  });
}

function optionalBoolean(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new OptionsError(option, value, 'true or false');
  return value;
}
