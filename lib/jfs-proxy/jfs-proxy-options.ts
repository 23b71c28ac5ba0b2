import { hostname } from 'node:os';
import type { SchedulerLike } from 'rxjs';
// Deep import: the `rxjs` index loads all of rxjs (about 10 MB of idle RSS for `batchwatch proxy`).
import { asyncScheduler } from 'rxjs/internal/scheduler/async';
import { OptionsError } from '../errors.ts';
import { DEFAULT_MAX_FRAME_LENGTH } from '../jfs-protocol/frame-decoder.ts';
import { NOTIFY_CHANNEL } from '../jfs-protocol/notify-message.ts';
import {
  optionNames,
  rejectUnknownOptions,
  resolveCollaborator,
  resolveCount,
  resolveDuration,
  resolveOneOf,
  resolveScheduler,
} from '../options.ts';
import {
  parseRedisAddress,
  type RedisAddress,
  type RedisTlsOptions,
} from '../redis/redis-address.ts';
import type { JfsAddress } from '../sources/jfs/address.ts';
import type { ChannelWatchers } from './channel-watchers.ts';
import { parseListen } from './listen-address.ts';
import type { MountResolver } from './mount-table.ts';
import type { ProxyFeed, ProxyRegistry } from './proxy-feed.ts';
import { safeMountResolver } from './safe-mount-resolver.ts';

/** Options of {@link JfsProxy}; the Go proxy's environment variables are the defaults. */
export interface JfsProxyOptions {
  /** Finds each container's hostPath mounts (pod path -> node path). Required. */
  readonly mounts: MountResolver;
  /**
   * Where to listen: `:5079`, `host:port`, `unix:/path`. Port 0 picks a free
   * one (see `proxy.address`). Default `$MULTICAST_SERVER`, else `:5079`.
   */
  readonly listen?: string;
  /** Redis `host:port`. Default `$REDIS_ADDR`, else `127.0.0.1:6379`. */
  readonly redisAddr?: string;
  /** Redis password, when the address has none. Default `$REDIS_PASSWORD`, else none. */
  readonly redisPassword?: string;
  /** Redis ACL user, when the address names none. Default `$REDIS_USERNAME`, else the default user. */
  readonly redisUsername?: string;
  /** TLS files for a `rediss://` address (a private CA, a client certificate). Default the system's CAs. */
  readonly redisTls?: RedisTlsOptions;
  /** The pub/sub channel daemons publish to. Default `jfsnotify`. */
  readonly channel?: string;
  /** Redis database of the stream and the registry (pub/sub ignores it). Default `$REDIS_DB`, else 0. */
  readonly redisDb?: number;
  /**
   * Where changes come from: `auto` (default) reads the stream when a daemon
   * writes one and the channel when only Go daemons publish, deciding on the
   * first change (see `AutoFeed`; a `FeedChoiceWarning` says when it
   * reads the channel); `stream`, the stream `<channel>:stream` this
   * project's daemons append to, read from the last entry id so that a
   * dropped connection loses nothing; `pubsub`, the channel alone, for Go
   * daemons (each resubscription resyncs every client).
   */
  readonly feed?: 'auto' | 'stream' | 'pubsub';
  /** Most event records in one EVENT frame when several are queued for a client. Default 128. */
  readonly maxRecordsPerFrame?: number;
  /** How long a path's Write events are held and merged, in ms. Default 1000. */
  readonly writeDebounce?: number;
  /** Largest accepted frame payload, in bytes; a larger prefix closes that connection. Default 1 MiB. */
  readonly maxFrameLength?: number;
  /**
   * Bytes a client may have queued without reading before the slow-client
   * rule watches it. Default 1 MiB.
   *
   * The rule: a client is slow, and is disconnected (it reconnects and
   * re-registers), when it makes no read progress (its socket accepts no
   * data) for `slowClientGrace` ms while more than `maxQueuedBytes` wait for
   * it, or at once when more than `maxBufferedBytes` wait. A client that keeps
   * reading is never dropped, however large the burst.
   */
  readonly maxQueuedBytes?: number;
  /** How long a client over `maxQueuedBytes` may make no read progress, in ms. Default 5000. */
  readonly slowClientGrace?: number;
  /** Hard cap on the bytes queued for one client, reading or not; beyond, it is closed at once. Default 64 MiB. */
  readonly maxBufferedBytes?: number;
  /**
   * Client connections open at once; more are refused at once (a warning,
   * at most one a second). Default 4096.
   */
  readonly maxConnections?: number;
  /** How long a new connection may stay open without sending a WATCH, in ms. Default 30000. */
  readonly idleTimeout?: number;
  /** How long a frame may take to arrive whole once its first byte came, in ms. Default 10000. */
  readonly frameDeadline?: number;
  /**
   * Bytes of an incomplete frame one connection may hold. Default
   * `maxFrameLength + 4` (one whole frame of the largest size).
   */
  readonly maxPartialBytes?: number;
  /**
   * Bytes of incomplete frames all connections together may hold; the
   * connection that would pass it is closed. Default 8 MiB.
   */
  readonly maxTotalPartialBytes?: number;
  /**
   * (channel, path) watches one connection may hold; the paths of a WATCH
   * beyond it are refused (a warning, the connection stays). Default 256.
   */
  readonly maxWatchesPerConnection?: number;
  /** Distinct node paths the proxy registers for all its clients; beyond, WATCHes are refused. Default 4096. */
  readonly maxWatchedPaths?: number;
  /** This proxy's name in the control channel. Default `<hostname>-<pid>-<random>`. */
  readonly proxyId?: string;
  /** Lifetime of this proxy's watch registration in Redis without a heartbeat, in ms. Default 30000. */
  readonly registryTtl?: number;
  /** Where debounce and heartbeat timers run. Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** The environment to read. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Told what each client watches per channel (Kubernetes mode keeps FSWatcher resources with it). Default none. */
  readonly watchers?: ChannelWatchers;
  /**
   * Where changes come from instead of Redis (a test, another transport);
   * `feed` is then ignored. The proxy subscribes to it as it starts and closes
   * it with itself. Default: the Redis feed `feed` names.
   */
  readonly changeFeed?: ProxyFeed;
  /**
   * Where the watched node paths are registered for daemons instead of Redis;
   * closed with the proxy. Default: the Redis registry of `channel`.
   */
  readonly registry?: ProxyRegistry;
}

/** {@link JfsProxyOptions} validated, with every default filled in. */
export interface ResolvedJfsProxyOptions {
  readonly mounts: MountResolver;
  readonly listen: Exclude<JfsAddress, { readonly network: 'ipc' }>;
  readonly redis: RedisAddress;
  readonly channel: string;
  readonly feed: 'auto' | 'stream' | 'pubsub';
  readonly maxRecordsPerFrame: number;
  readonly writeDebounce: number;
  readonly maxFrameLength: number;
  readonly maxQueuedBytes: number;
  readonly slowClientGrace: number;
  readonly maxBufferedBytes: number;
  readonly maxConnections: number;
  readonly idleTimeout: number;
  readonly frameDeadline: number;
  readonly maxPartialBytes: number;
  readonly maxTotalPartialBytes: number;
  readonly maxWatchesPerConnection: number;
  readonly maxWatchedPaths: number;
  readonly proxyId: string;
  readonly registryTtl: number;
  readonly scheduler: SchedulerLike;
  readonly watchers: ChannelWatchers | undefined;
  readonly changeFeed: ProxyFeed | undefined;
  readonly registry: ProxyRegistry | undefined;
}

/** The defaults of {@link JfsProxyOptions} that do not come from the environment. */
export const DEFAULT_JFS_PROXY_OPTIONS = Object.freeze({
  listen: ':5079',
  redisAddr: '127.0.0.1:6379',
  channel: NOTIFY_CHANNEL,
  redisDb: 0,
  feed: 'auto',
  maxRecordsPerFrame: 128,
  writeDebounce: 1000,
  maxFrameLength: DEFAULT_MAX_FRAME_LENGTH,
  maxQueuedBytes: 1024 * 1024,
  slowClientGrace: 5000,
  maxBufferedBytes: 64 * 1024 * 1024,
  maxConnections: 4096,
  idleTimeout: 30_000,
  frameDeadline: 10_000,
  maxTotalPartialBytes: 8 * 1024 * 1024,
  maxWatchesPerConnection: 256,
  maxWatchedPaths: 4096,
  registryTtl: 30_000,
} as const);

/** Where the proxy reads changes from: the values of {@link JfsProxyOptions.feed}. */
export const ProxyFeedKind = { Auto: 'auto', Stream: 'stream', PubSub: 'pubsub' } as const;

const names = optionNames({
  mounts: true,
  listen: true,
  redisAddr: true,
  redisPassword: true,
  redisUsername: true,
  redisTls: true,
  channel: true,
  redisDb: true,
  feed: true,
  maxRecordsPerFrame: true,
  writeDebounce: true,
  maxFrameLength: true,
  maxQueuedBytes: true,
  slowClientGrace: true,
  maxBufferedBytes: true,
  maxConnections: true,
  idleTimeout: true,
  frameDeadline: true,
  maxPartialBytes: true,
  maxTotalPartialBytes: true,
  maxWatchesPerConnection: true,
  maxWatchedPaths: true,
  proxyId: true,
  registryTtl: true,
  scheduler: true,
  env: true,
  watchers: true,
  changeFeed: true,
  registry: true,
} satisfies Record<keyof JfsProxyOptions, true>);

/** Validates and completes {@link JfsProxyOptions}; throws an `OptionsError` naming a bad option. */
export function resolveJfsProxyOptions(options: JfsProxyOptions): ResolvedJfsProxyOptions {
  if (options === null || typeof options !== 'object') {
    throw new OptionsError('options', options, 'an options object');
  }
  rejectUnknownOptions(options, names);
  const D = DEFAULT_JFS_PROXY_OPTIONS;
  const env = options.env ?? process.env;
  const pick = (value: string | undefined, variable: string): string | undefined =>
    value ?? (env[variable] === '' ? undefined : env[variable]);
  if (typeof options.mounts?.mountsOf !== 'function') {
    throw new OptionsError(
      'mounts',
      options.mounts,
      'a MountResolver, such as StaticMountResolver.fromFile(file)',
    );
  }
  if (options.watchers !== undefined && typeof options.watchers?.pathsChanged !== 'function') {
    throw new OptionsError(
      'watchers',
      options.watchers,
      'a ChannelWatchers, such as an FsWatcherKeeper',
    );
  }
  const listen = parseListen(pick(options.listen, 'MULTICAST_SERVER') ?? D.listen);
  const redis = parseRedisAddress(
    pick(options.redisAddr, 'REDIS_ADDR') ?? D.redisAddr,
    pick(options.redisPassword, 'REDIS_PASSWORD'),
    'redisAddr',
    redisDb(options.redisDb ?? env['REDIS_DB']),
    { username: pick(options.redisUsername, 'REDIS_USERNAME'), tls: options.redisTls },
  );
  const count = (option: string, value: unknown): number => resolveCount(option, value, { min: 1 });
  const maxFrameLength = count('maxFrameLength', options.maxFrameLength ?? D.maxFrameLength);
  return Object.freeze({
    mounts: safeMountResolver(options.mounts),
    listen,
    redis,
    channel: nonEmpty('channel', options.channel ?? D.channel),
    feed: resolveOneOf('feed', options.feed ?? D.feed, ProxyFeedKind),
    maxRecordsPerFrame: count(
      'maxRecordsPerFrame',
      options.maxRecordsPerFrame ?? D.maxRecordsPerFrame,
    ),
    writeDebounce: resolveDuration('writeDebounce', options.writeDebounce ?? D.writeDebounce),
    maxFrameLength,
    maxQueuedBytes: count('maxQueuedBytes', options.maxQueuedBytes ?? D.maxQueuedBytes),
    slowClientGrace: resolveDuration(
      'slowClientGrace',
      options.slowClientGrace ?? D.slowClientGrace,
    ),
    maxBufferedBytes: count('maxBufferedBytes', options.maxBufferedBytes ?? D.maxBufferedBytes),
    maxConnections: count('maxConnections', options.maxConnections ?? D.maxConnections),
    idleTimeout: resolveDuration('idleTimeout', options.idleTimeout ?? D.idleTimeout, {
      exclusive: true,
    }),
    frameDeadline: resolveDuration('frameDeadline', options.frameDeadline ?? D.frameDeadline, {
      exclusive: true,
    }),
    maxPartialBytes: count('maxPartialBytes', options.maxPartialBytes ?? maxFrameLength + 4),
    maxTotalPartialBytes: count(
      'maxTotalPartialBytes',
      options.maxTotalPartialBytes ?? D.maxTotalPartialBytes,
    ),
    maxWatchesPerConnection: count(
      'maxWatchesPerConnection',
      options.maxWatchesPerConnection ?? D.maxWatchesPerConnection,
    ),
    maxWatchedPaths: count('maxWatchedPaths', options.maxWatchedPaths ?? D.maxWatchedPaths),
    proxyId: nonEmpty(
      'proxyId',
      options.proxyId ?? `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    ),
    registryTtl: resolveDuration('registryTtl', options.registryTtl ?? D.registryTtl, {
      min: 1,
      integer: true,
    }),
    scheduler:
      options.scheduler === undefined
        ? asyncScheduler
        : resolveScheduler('scheduler', options.scheduler),
    watchers: options.watchers,
    changeFeed: resolveCollaborator('changeFeed', options.changeFeed, [
      'changes$',
      'status$',
      'warnings$',
      'pause',
      'resume',
      'close',
    ]),
    registry: resolveCollaborator('registry', options.registry, ['add', 'remove', 'close']),
  });
}

function redisDb(value: number | string | undefined): number {
  const db = value === undefined || value === '' ? 0 : Number(value);
  if (!Number.isInteger(db) || db < 0)
    throw new OptionsError('redisDb', value, 'a whole number >= 0');
  return db;
}

function nonEmpty(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '')
    throw new OptionsError(name, value, 'a non-empty string');
  return value;
}
