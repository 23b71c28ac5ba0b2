import type { SchedulerLike } from 'rxjs';
import { asyncScheduler } from 'rxjs/internal/scheduler/async';
import { exponentialBackoff, type RetryPolicy } from '../../backoff.ts';
import { readRenamedOption } from '../../deprecated-option.ts';
import { OptionsError } from '../../errors.ts';
import { checkField } from '../../jfs-protocol/field.ts';
import { DEFAULT_MAX_FRAME_LENGTH } from '../../jfs-protocol/frame-decoder.ts';
import {
  optionNames,
  rejectUnknownOptions,
  resolveDuration,
  resolveFunction,
  resolveScheduler,
} from '../../options.ts';
import { DEFAULT_NOTIFY_SERVER, type JfsAddress, parseAddress } from './address.ts';
import { jfsChannelId } from './jfs-channel-id.ts';
import { AddressError } from './jfs-client-errors.ts';
import type { JfsTransport } from './jfs-transport.ts';

/** Which watcher `createNotifyWatcher` builds (`FS_TYPE`). */
export const FsType = {
  /** The remote JFS client (a TCP or unix-socket connection to a notify server). */
  Jfs: 'jfs',
  /** A local chokidar watcher with the same surface. */
  Fs: 'fs',
} as const;

/** One of the {@link FsType} values. */
export type FsType = (typeof FsType)[keyof typeof FsType];

/**
 * Options of a JFS watcher. Explicit options win over the environment, which
 * wins over the defaults; an empty environment variable counts as unset.
 */
export interface JfsWatcherOptions {
  /** The watcher name, last part of the channel id; no `/` allowed. Default `'batchwatch'`. */
  readonly name?: string;
  /** Paths (as this process sees them) to watch from the start. Default none. */
  readonly paths?: readonly string[];
  /** Kubernetes namespace. Default `$NAMESPACE`, else `'default'`. */
  readonly namespace?: string;
  /** Pod name. Default `$POD_NAME`, else `$HOSTNAME`, else `'default'`. */
  readonly pod?: string;
  /** Container name. Default `$CONTAINER_NAME`, else `'default'`. */
  readonly container?: string;
  /**
   * The notify server (see `parseAddress`). Default `$NOTIFY_SERVER`, else Go's
   * stale `fsnotify-svc.os-system:1506` (deployments use `fsnotify-svc.os-platform:5079`).
   */
  readonly server?: string;
  /** `'jfs'` (remote) or `'fs'` (local chokidar). Default `$FS_TYPE`, else `'jfs'`. */
  readonly fsType?: FsType;
  /**
   * Delay before reconnection try `attempt` (from 1); `null` gives up and
   * closes the watcher with the error. A dropped connection is re-dialled at
   * once before this applies. Default `exponentialBackoff({ initial: 1000, max: 30000 })`.
   */
  readonly retry?: RetryPolicy;
  /** @deprecated Renamed `retry` (same meaning); giving both is an error. */
  readonly reconnect?: RetryPolicy;
  /** Largest accepted frame payload, in bytes; a larger prefix closes the connection. Default 1 MiB. */
  readonly maxFrameLength?: number;
  /** Give up a dial after this many ms (0: never). Default 10000. */
  readonly connectTimeout?: number;
  /** TCP keep-alive delay in ms, to notice a dead server that never writes (0: off). Default 30000. */
  readonly keepAlive?: number;
  /** Where reconnection timers run. Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /**
   * How the remote watcher reaches the server. Default a TCP or unix socket
   * to `server` (with `connectTimeout` and `keepAlive`).
   */
  readonly transport?: JfsTransport;
  /** The environment to read. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Ask the server why it refuses a WATCH (a container it does not know, a
   * path outside the container's mounts): this project's proxy then answers
   * with an ERROR frame, reported on `warnings$` as a `WatchRefusedError`.
   * Default `false`: the client sends exactly the frames Go's client sends
   * (a Go proxy would log the extra WANT_ERRORS frame as unknown).
   */
  readonly reportRefusals?: boolean;
}

/** The defaults of {@link JfsWatcherOptions} (environment variables aside). */
export const DEFAULT_JFS_WATCHER_OPTIONS = Object.freeze({
  name: 'batchwatch',
  fsType: 'jfs' as FsType,
  server: DEFAULT_NOTIFY_SERVER,
  retry: exponentialBackoff({ initial: 1000, max: 30_000 }),
  maxFrameLength: DEFAULT_MAX_FRAME_LENGTH,
  connectTimeout: 10_000,
  keepAlive: 30_000,
  scheduler: asyncScheduler as SchedulerLike,
  reportRefusals: false,
});

/** {@link JfsWatcherOptions} validated, with every default filled in. */
export interface ResolvedJfsWatcherOptions {
  readonly fsType: FsType;
  readonly name: string;
  readonly paths: readonly string[];
  /** The channel id; empty for the local watcher. */
  readonly channelId: string;
  /** The server address as given. */
  readonly server: string;
  /** The parsed server address; `null` for the local watcher. */
  readonly address: JfsAddress | null;
  readonly retry: RetryPolicy;
  readonly maxFrameLength: number;
  readonly connectTimeout: number;
  readonly keepAlive: number;
  readonly scheduler: SchedulerLike;
  /** The transport given; `undefined` for the default socket. */
  readonly transport: JfsTransport | undefined;
  readonly reportRefusals: boolean;
}

/** The names of {@link JfsWatcherOptions}. */
export const jfsWatcherOptionNames: readonly string[] = optionNames({
  name: true,
  paths: true,
  namespace: true,
  pod: true,
  container: true,
  server: true,
  fsType: true,
  retry: true,
  reconnect: true,
  maxFrameLength: true,
  connectTimeout: true,
  keepAlive: true,
  scheduler: true,
  transport: true,
  env: true,
  reportRefusals: true,
} satisfies Record<keyof JfsWatcherOptions, true>);

/**
 * Validates and completes {@link JfsWatcherOptions}. Throws an `OptionsError`
 * naming a bad option (or `unknown fs type`), a `WatcherNameError`, an
 * `AddressError` or a `FieldTooLongError`.
 */
export function resolveJfsWatcherOptions(
  options: JfsWatcherOptions = {},
): ResolvedJfsWatcherOptions {
  if (options === null || typeof options !== 'object') {
    throw new OptionsError('options', options, 'an options object');
  }
  rejectUnknownOptions(options, jfsWatcherOptionNames);
  const env = options.env ?? process.env;
  const pick = (option: keyof JfsWatcherOptions, ...names: string[]): [string, string] => {
    const given = options[option];
    if (given !== undefined) {
      if (typeof given !== 'string') throw new OptionsError(option, given, 'a string');
      return [given, option];
    }
    for (const name of names) {
      const value = env[name];
      if (value !== undefined && value !== '') return [value, `$${name}`];
    }
    return ['', option];
  };
  const [fsType, fsTypeOption] = pick('fsType', 'FS_TYPE');
  if (fsType !== '' && fsType !== FsType.Jfs && fsType !== FsType.Fs) {
    const error = new OptionsError(fsTypeOption, fsType, '');
    error.message = `unknown fs type ${JSON.stringify(fsType)} in ${fsTypeOption}: use "jfs" (remote, the default) or "fs" (local).`;
    throw error;
  }
  const d = DEFAULT_JFS_WATCHER_OPTIONS;
  const name = pick('name')[0] || d.name;
  const paths = options.paths ?? [];
  if (!Array.isArray(paths)) throw new OptionsError('paths', paths, 'an array of paths');
  for (const path of paths) {
    if (typeof path !== 'string' || path === '') {
      throw new OptionsError('paths', path, 'non-empty path strings');
    }
    checkField('path', path);
  }
  const retry = resolveFunction<RetryPolicy>(
    options.reconnect === undefined ? 'retry' : 'reconnect',
    readRenamedOption(options, 'retry', 'reconnect') ?? d.retry,
    '(attempt) => ms | null',
  );
  const maxFrameLength = options.maxFrameLength ?? d.maxFrameLength;
  if (!Number.isInteger(maxFrameLength) || maxFrameLength < 4 || maxFrameLength > 0xffff_ffff) {
    throw new OptionsError(
      'maxFrameLength',
      maxFrameLength,
      'a whole number of bytes from 4 to 2^32-1',
    );
  }
  const scheduler = resolveScheduler('scheduler', options.scheduler ?? d.scheduler);
  const transport = options.transport;
  if (transport !== undefined && typeof (transport as Partial<JfsTransport>)?.dial !== 'function') {
    throw new OptionsError('transport', transport, 'a JfsTransport (an object with dial())');
  }
  const [server] = pick('server', 'NOTIFY_SERVER');
  const local = fsType === FsType.Fs;
  const resolved: ResolvedJfsWatcherOptions = {
    fsType: local ? FsType.Fs : FsType.Jfs,
    name,
    paths: Object.freeze([...new Set(paths)]),
    channelId: local
      ? ''
      : jfsChannelId({
          namespace: pick('namespace', 'NAMESPACE')[0] || 'default',
          pod: pick('pod', 'POD_NAME', 'HOSTNAME')[0] || 'default',
          container: pick('container', 'CONTAINER_NAME')[0] || 'default',
          watcherName: name,
        }),
    server: server || d.server,
    address: local ? null : remoteAddress(server || d.server),
    retry,
    maxFrameLength,
    connectTimeout: resolveDuration('connectTimeout', options.connectTimeout ?? d.connectTimeout),
    keepAlive: resolveDuration('keepAlive', options.keepAlive ?? d.keepAlive),
    scheduler,
    transport,
    reportRefusals: refusals(options.reportRefusals ?? d.reportRefusals),
  };
  return Object.freeze(resolved);
}

function remoteAddress(server: string): JfsAddress {
  const address = parseAddress(server);
  if (address.network === 'ipc') {
    throw new AddressError(server, 'ipc:// (the golang-ipc handshake) is unsupported');
  }
  return address;
}

function refusals(value: unknown): boolean {
  if (typeof value !== 'boolean') throw new OptionsError('reportRefusals', value, 'true or false');
  return value;
}
