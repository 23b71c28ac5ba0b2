import { describe, describeCause } from './describe.ts';

/** Base class of every error batchwatch throws or reports. `code` is stable; messages may change. */
export class BatchwatchError extends Error {
  override readonly name: string = 'BatchwatchError';
  readonly code: string = 'BATCHWATCH_ERROR';
}

/** An option is missing, out of range or contradicts another. `option` names it. */
export class OptionsError extends BatchwatchError {
  override readonly name = 'OptionsError';
  override readonly code = 'BATCHWATCH_BAD_OPTION';
  /** The option's name, as written in the options object (`flushInterval`, `retry.max`). */
  readonly option: string;
  /** The value that was given. */
  readonly value: unknown;

  constructor(option: string, value: unknown, expected: string) {
    super(`Bad option ${option}: expected ${expected}, got ${describe(value)}.`);
    this.option = option;
    this.value = value;
  }

  /** An option that does not exist, most likely a misspelling. */
  static unknown(option: string, value: unknown, known: readonly string[]): OptionsError {
    const error = new OptionsError(option, value, '');
    error.message = `Unknown option ${option}: the options are ${known.join(', ')}.`;
    return error;
  }
}

/**
 * Base class of what an `EventQueue` reports to `onError`. Its own classes
 * live in `lib/queue/queue-errors.ts`; `SourceError` stays here with it.
 */
export class QueueError extends BatchwatchError {
  override readonly name: string = 'QueueError';
  override readonly code: string = 'BATCHWATCH_QUEUE';
}

/** A source passed to `queue.start()` errored; that source has ended, the others go on. */
export class SourceError extends QueueError {
  override readonly name = 'SourceError';
  override readonly code = 'BATCHWATCH_SOURCE_FAILED';
  /** The source's position among all sources ever started on the queue, from 0. */
  readonly sourceIndex: number;

  constructor(sourceIndex: number, cause: unknown) {
    super(`Source #${sourceIndex} failed and was unsubscribed: ${causeText(cause)}`, { cause });
    this.sourceIndex = sourceIndex;
  }
}

/** Kept as the name the messages below use; safe for any value (see `describeCause`). */
const causeText = describeCause;

/**
 * User code (`onError`, a warning listener, a collector) threw while
 * batchwatch was reporting or recovering from something else. There is no
 * one left to report it to, so it is thrown asynchronously, saying what threw
 * and what it was handling. `cause` is what it threw (possibly `null`).
 */
export class CallbackError extends BatchwatchError {
  override readonly name = 'CallbackError';
  override readonly code = 'BATCHWATCH_CALLBACK_THREW';
  /** The callback that threw: `onError`, `collect`... */
  readonly callback: string;
  /** What it was called with, when there was something. */
  readonly handling: unknown;

  constructor(callback: string, cause: unknown, handling?: unknown) {
    const about = handling === undefined ? '' : ` while handling ${describe(handling)}`;
    super(
      `${callback} threw ${describe(cause)}${about}. Make ${callback} catch its own errors: ` +
        'it is the last place errors are reported to.',
      { cause },
    );
    this.callback = callback;
    this.handling = handling;
  }
}

/** Base class of what the JFS codec, client and watchers report. */
export class JfsError extends BatchwatchError {
  override readonly name: string = 'JfsError';
  override readonly code: string = 'BATCHWATCH_JFS';
}

/**
 * A frame's length prefix is above the cap. Fatal for that connection (it is
 * closed and re-dialled): the stream cannot be resynchronized, and L bytes are
 * never allocated.
 */
export class FrameTooLargeError extends JfsError {
  override readonly name = 'FrameTooLargeError';
  override readonly code = 'BATCHWATCH_JFS_FRAME_TOO_LARGE';
  /** The announced payload length, in bytes. */
  readonly length: number;
  /** The cap it exceeded (`maxFrameLength`). */
  readonly max: number;

  constructor(length: number, max: number) {
    super(
      `A JFS frame announced ${length} bytes, over the ${max}-byte cap: the peer does not speak ` +
        'the JFS protocol, or raise maxFrameLength if its frames are really that large.',
    );
    this.length = length;
    this.max = max;
  }
}

/** A JFS frame that cannot be decoded; it was dropped and the connection goes on. */
export class MalformedFrameError extends JfsError {
  override readonly name = 'MalformedFrameError';
  override readonly code = 'BATCHWATCH_JFS_MALFORMED_FRAME';
  /** The message type from the payload, or `null` when the payload is too short to hold one. */
  readonly frameType: number | null;
  /** The payload length, in bytes. */
  readonly length: number;

  constructor(frameType: number | null, length: number, reason: string) {
    super(
      `Dropped a malformed JFS frame (${frameType === null ? 'no type' : `type ${frameType}`}, ` +
        `${length}-byte payload): ${reason}. Check that the peer speaks the same JFS protocol version.`,
    );
    this.frameType = frameType;
    this.length = length;
  }
}

/** A path, channel id, name or key is longer than the 255 UTF-8 bytes of a JFS field. */
export class FieldTooLongError extends JfsError {
  override readonly name = 'FieldTooLongError';
  override readonly code = 'BATCHWATCH_JFS_FIELD_TOO_LONG';
  /** Which field: `path`, `channelId`, `name` or `key`. */
  readonly field: string;
  /** Its length in UTF-8 bytes. */
  readonly bytes: number;
  /** The value that did not fit. */
  readonly value: string;

  constructor(field: string, value: string, bytes: number) {
    super(
      `The JFS ${field} ${JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}...` : value)} ` +
        `is ${bytes} UTF-8 bytes; a field holds at most 255: use a shorter ${field}.`,
    );
    this.field = field;
    this.bytes = bytes;
    this.value = value;
  }
}

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

/** Base class of what the JFS proxy and daemon report. */
export class JfsServerError extends BatchwatchError {
  override readonly name: string = 'JfsServerError';
  override readonly code: string = 'BATCHWATCH_JFS_SERVER';
}

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

  constructor(channelId: string, path: string, reason: string) {
    super(
      path === ''
        ? `WATCH for channel ${JSON.stringify(channelId)} dropped: ${reason}. Add the container to the mounts.`
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
