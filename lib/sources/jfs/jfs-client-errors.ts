import { JfsError } from '../../errors.ts';

/** A notify-server address (`NOTIFY_SERVER`, option `server`) that cannot be used. */
export class AddressError extends JfsError {
  override readonly name = 'AddressError';
  override readonly code = 'BATCHWATCH_JFS_BAD_ADDRESS';
  /** The address as given. */
  readonly address: string;

  constructor(address: string, reason: string) {
    super(
      `Bad notify-server address ${JSON.stringify(address)}: ${reason}. Use host:port, ` +
        '[ipv6]:port, tcp://host:port, unix:/path/to.sock or unix:///path/to.sock.',
    );
    this.address = address;
  }
}

/** A JFS watcher name holds a `/`, which would change the meaning of the channel id. */
export class WatcherNameError extends JfsError {
  override readonly name = 'WatcherNameError';
  override readonly code = 'BATCHWATCH_JFS_BAD_WATCHER_NAME';
  /** The name as given. */
  readonly watcherName: string;

  constructor(watcherName: string) {
    super(
      `bad watcher name, illegal character '/': ${JSON.stringify(watcherName)} (choose a name ` +
        'without "/"; it becomes the last part of the channel id).',
    );
    this.watcherName = watcherName;
  }
}

/** The connection to the notify server failed or broke; the watcher reconnects by itself. */
export class JfsConnectionError extends JfsError {
  override readonly name = 'JfsConnectionError';
  override readonly code = 'BATCHWATCH_JFS_CONNECTION';
  /** The server address, as given. */
  readonly address: string;

  constructor(address: string, what: string, cause?: unknown) {
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    super(
      `JFS server ${address}: ${what}${detail}. Reconnecting; check NOTIFY_SERVER if it persists.`,
      { cause },
    );
    this.address = address;
  }
}

/** The local (`FS_TYPE=fs`) watcher reported an error for a path. */
export class LocalWatcherError extends JfsError {
  override readonly name = 'LocalWatcherError';
  override readonly code = 'BATCHWATCH_JFS_LOCAL_WATCH';

  constructor(cause: unknown) {
    super(
      `The local file watcher failed: ${cause instanceof Error ? cause.message : String(cause)}. ` +
        'Check that the watched paths exist and are readable.',
      { cause },
    );
  }
}

/** `add()` or `remove()` was called on a watcher after `close()`. */
export class WatcherClosedError extends JfsError {
  override readonly name = 'WatcherClosedError';
  override readonly code = 'BATCHWATCH_JFS_WATCHER_CLOSED';

  constructor(what: string) {
    super(`The watcher is closed: ${what}. Create a new watcher.`);
  }
}

/**
 * The notify server refused a WATCH and said why (an ERROR frame, sent only
 * when the watcher has `reportRefusals`): a container it does not know, or a
 * path outside the container's mounts. A warning: nothing of that path (or
 * channel) will arrive until the server's configuration or the identity
 * (`namespace`, `pod`, `container`) is fixed and the watcher reconnects.
 */
export class WatchRefusedError extends JfsError {
  override readonly name = 'WatchRefusedError';
  override readonly code = 'BATCHWATCH_JFS_WATCH_REFUSED';
  /** The server address, as given. */
  readonly address: string;
  readonly channelId: string;
  /** The pod path refused; `''` when the whole channel was. */
  readonly path: string;
  /** The server's own words. */
  readonly reason: string;

  constructor(address: string, channelId: string, path: string, reason: string) {
    super(
      `${address} refused to watch ${path === '' ? 'anything' : JSON.stringify(path)} for ` +
        `${JSON.stringify(channelId)}: ${reason} Check the identity (namespace/pod/container) ` +
        'the client gives, and the mounts the proxy knows for it.',
    );
    this.address = address;
    this.channelId = channelId;
    this.path = path;
    this.reason = reason;
  }
}
