import { OptionsError } from '../errors.ts';

/**
 * The Redis names one deployment uses, all derived from its pub/sub channel
 * (and database number) so that two deployments on one Redis never share a
 * stream, a registry or a control channel. Keys (the stream, the registry
 * sets) live in the configured database; pub/sub channels ignore it, so the
 * control channel names the database when it is not 0. The Go-format channel
 * itself is `channel`, as Go names it, whatever the database.
 */
export interface NotifyNames {
  /** The pub/sub channel of Go-format messages (`jfsnotify`). */
  readonly channel: string;
  /** The stream every change is appended to (`jfsnotify:stream`). */
  readonly stream: string;
  /**
   * Where this project's daemons publish each small stream entry with the id
   * of the entry before it (`jfsnotify:stream:chain`; `...:db3` in database
   * 3), so that a proxy at rest is told of entries instead of asking (see
   * `chain-message.ts`).
   */
  readonly chain: string;
  /** The prefix of the proxies' watch registry sets (`jfsnotify:watches:`). */
  readonly registryPrefix: string;
  /** Where proxies announce registry changes (`jfsnotify:control`; `jfsnotify:control:db3` in database 3). */
  readonly control: string;
}

/**
 * The names derived from `channel` in database `db` (default 0).
 *
 * @example notifyNames('jfsnotify').stream // 'jfsnotify:stream'
 * @throws OptionsError for an empty channel or a database number that is not a whole number >= 0.
 */
export function notifyNames(channel: string, db = 0): NotifyNames {
  if (typeof channel !== 'string' || channel === '') {
    throw new OptionsError('channel', channel, 'a non-empty channel name');
  }
  if (!Number.isInteger(db) || db < 0) throw new OptionsError('redisDb', db, 'a whole number >= 0');
  return {
    channel,
    stream: `${channel}:stream`,
    chain: db === 0 ? `${channel}:stream:chain` : `${channel}:stream:chain:db${db}`,
    registryPrefix: `${channel}:watches:`,
    control: db === 0 ? `${channel}:control` : `${channel}:control:db${db}`,
  };
}

/** The registry set holding the node paths the clients of proxy `proxyId` watch. */
export function registryKey(names: NotifyNames, proxyId: string): string {
  return `${names.registryPrefix}${proxyId}`;
}

/**
 * The `SCAN ... MATCH` pattern of every proxy's registry set of this
 * deployment (glob characters of the channel escaped, so that `a*` never
 * matches `ab`'s sets).
 */
export function registryPattern(names: NotifyNames): string {
  return `${names.registryPrefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
}
