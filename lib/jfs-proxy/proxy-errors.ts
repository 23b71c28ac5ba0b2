// The errors the JFS proxy raises or reports as warnings (JfsServerError, their base, stays in
// lib/errors.ts). `batchwatch/jfs` re-exports them under the same names.
import { JfsServerError } from '../errors.ts';

/** The mounts file cannot be read or does not hold the expected list. */
export class MountsFileError extends JfsServerError {
  override readonly name = 'MountsFileError';
  override readonly code = 'BATCHWATCH_JFS_MOUNTS_FILE';
  readonly file: string;

  constructor(file: string, problem: string, cause?: unknown) {
    super(
      `The mounts file ${file} ${problem}. Expected [{"namespace","pod","container","mounts":[{"mountPath","hostPath"}]}].`,
      { cause },
    );
    this.file = file;
  }
}

/** A WATCH named a channel whose container has no known mounts, or a path outside every mount: it was dropped. */
export class UnmappedWatchError extends JfsServerError {
  override readonly name = 'UnmappedWatchError';
  override readonly code = 'BATCHWATCH_JFS_UNMAPPED_WATCH';
  readonly channelId: string;
  /** The pod path; empty when the whole channel is unknown. */
  readonly path: string;

  /** `hint`: what to change, for a whole channel; default: add the container to the mounts. */
  constructor(
    channelId: string,
    path: string,
    reason: string,
    hint = 'Add the container to the mounts.',
  ) {
    super(
      path === ''
        ? `WATCH for channel ${JSON.stringify(channelId)} dropped: ${reason}.${hint === '' ? '' : ` ${hint}`}`
        : `WATCH of ${JSON.stringify(path)} for channel ${JSON.stringify(channelId)} dropped: ${reason}.`,
    );
    this.channelId = channelId;
    this.path = path;
  }
}

/** A client did not read fast enough: its send queue filled up and the proxy closed the connection. */
export class SlowClientError extends JfsServerError {
  override readonly name = 'SlowClientError';
  override readonly code = 'BATCHWATCH_JFS_SLOW_CLIENT';
  readonly remote: string;
  readonly queuedBytes: number;
  /** `stalled`: no read progress for the grace period; `over-cap`: the queue passed the hard cap. */
  readonly reason: 'stalled' | 'over-cap';
  /** How long the client had made no read progress, in ms (0 for `over-cap`). */
  readonly stalledFor: number;

  /** The client read nothing for `stalledFor` ms (grace `grace`) with more than `limit` bytes queued. */
  static stalled(
    remote: string,
    queuedBytes: number,
    limit: number,
    stalledFor: number,
    grace: number,
  ): SlowClientError {
    return new SlowClientError(
      `Client ${remote} read nothing for ${stalledFor} ms with ${queuedBytes} bytes queued (over maxQueuedBytes ${limit} for longer than slowClientGrace ${grace} ms): connection closed; it will reconnect and re-register.`,
      remote,
      queuedBytes,
      'stalled',
      stalledFor,
    );
  }

  /** The client's queue passed the hard cap `limit` (`maxBufferedBytes`), read progress or not. */
  static overCap(remote: string, queuedBytes: number, limit: number): SlowClientError {
    return new SlowClientError(
      `Client ${remote} has ${queuedBytes} bytes queued, over maxBufferedBytes ${limit}: connection closed; it will reconnect and re-register.`,
      remote,
      queuedBytes,
      'over-cap',
      0,
    );
  }

  private constructor(
    message: string,
    remote: string,
    queuedBytes: number,
    reason: 'stalled' | 'over-cap',
    stalledFor: number,
  ) {
    super(message);
    this.remote = remote;
    this.queuedBytes = queuedBytes;
    this.reason = reason;
    this.stalledFor = stalledFor;
  }
}

/** The limit a connection broke. */
export type ConnectionLimit =
  | 'maxConnections'
  | 'idleTimeout'
  | 'frameDeadline'
  | 'maxPartialBytes'
  | 'maxTotalPartialBytes';

/** A client broke one of the proxy's connection limits and was disconnected. A warning. */
export class ConnectionLimitError extends JfsServerError {
  override readonly name = 'ConnectionLimitError';
  override readonly code = 'BATCHWATCH_JFS_CONNECTION_LIMIT';
  /** `address:port` of the client. */
  readonly remote: string;
  /** The option whose limit was reached. */
  readonly limit: ConnectionLimit;

  constructor(remote: string, limit: ConnectionLimit, detail: string) {
    super(
      `Client ${remote} disconnected: ${detail} (the proxy's ${limit}). A client that sends ` +
        `frames whole and WATCHes soon after connecting is never affected; raise ${limit} if one is.`,
    );
    this.remote = remote;
    this.limit = limit;
  }
}

/** The limit a WATCH ran into: the connection's, or the whole proxy's. */
export type WatchLimit = 'maxWatchesPerConnection' | 'maxWatchedPaths';

/**
 * A WATCH asked for more than a limit allows: the paths beyond it were not
 * watched (the rest were, and the connection stays open). A warning. The JFS
 * protocol has no error frame, so the client itself cannot be told.
 */
export class WatchLimitError extends JfsServerError {
  override readonly name = 'WatchLimitError';
  override readonly code = 'BATCHWATCH_JFS_WATCH_LIMIT';
  /** `address:port` of the client. */
  readonly remote: string;
  readonly channelId: string;
  /** The option whose limit was reached. */
  readonly limit: WatchLimit;
  /** Paths of the frame that were refused. */
  readonly refused: number;

  constructor(remote: string, channelId: string, limit: WatchLimit, max: number, refused: number) {
    super(
      `Client ${remote} (channel ${JSON.stringify(channelId)}): ${refused} path(s) of a WATCH refused, ` +
        (limit === 'maxWatchesPerConnection'
          ? `the connection watches ${max} already`
          : `the proxy watches ${max} node paths already`) +
        ` (the proxy's ${limit}). A real pod never comes near it; raise ${limit} if one does.`,
    );
    this.remote = remote;
    this.channelId = channelId;
    this.limit = limit;
    this.refused = refused;
  }
}

/**
 * A client's first WATCH was processed so long after it connected that the
 * changes it was owed since are no longer kept (see `OPENING_CATCH_UP_MS`):
 * it was disconnected, so that it reconnects and re-lists (a resync).
 */
export class CatchUpLostError extends JfsServerError {
  override readonly name = 'CatchUpLostError';
  override readonly code = 'BATCHWATCH_JFS_CATCH_UP_LOST';
  readonly remote: string;

  constructor(remote: string) {
    super(
      `resync (catch-up lost): the WATCH of ${remote} came too late after it connected for the changes since to be kept; disconnected so that it re-lists.`,
    );
    this.remote = remote;
  }
}
