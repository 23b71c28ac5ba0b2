import { describe, describeCause } from './describe.ts';
import type { Event } from './events/event.ts';

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

/** Base class of what an {@link EventQueue} reports to `onError`. */
export class QueueError extends BatchwatchError {
  override readonly name: string = 'QueueError';
  override readonly code: string = 'BATCHWATCH_QUEUE';
}

/**
 * `onFlush` threw, rejected or errored for a batch, on every try. The batch is
 * attached: with `retry` configured this is the dead letter.
 */
export class FlushError extends QueueError {
  override readonly name = 'FlushError';
  override readonly code = 'BATCHWATCH_FLUSH_FAILED';
  /** The events that could not be delivered. */
  readonly batch: readonly Event[];
  /** How many times delivery was tried (1 + retries). */
  readonly attempts: number;

  constructor(batch: readonly Event[], attempts: number, cause: unknown) {
    const tries = attempts === 1 ? 'once' : `${attempts} times`;
    super(
      `onFlush failed for a batch of ${batch.length} event(s) (tried ${tries}): ${causeText(cause)}`,
      { cause },
    );
    this.batch = batch;
    this.attempts = attempts;
  }
}

/** The queue was stopped: `sync()` can no longer be satisfied, or `start()` was called too late. */
export class QueueClosedError extends QueueError {
  override readonly name = 'QueueClosedError';
  override readonly code = 'BATCHWATCH_QUEUE_CLOSED';

  constructor(what: string) {
    super(`The queue is stopped: ${what}.`);
  }
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

/** The queue held `capacity` pending events and the `overflow` policy is `'error'`: events were refused. */
export class OverflowError extends QueueError {
  override readonly name = 'OverflowError';
  override readonly code = 'BATCHWATCH_QUEUE_FULL';
  readonly capacity: number;

  constructor(capacity: number) {
    super(
      `The queue is full (capacity ${capacity}): new events are refused until the next flush. ` +
        'Raise capacity, flush more often, or choose another overflow policy.',
    );
    this.capacity = capacity;
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

/**
 * The file source could not watch a path (`ENOSPC`, `EMFILE`, `EACCES`...).
 * Reported as a warning on the source, which keeps watching everything else;
 * the message says what to change.
 */
export class FileWatchError extends BatchwatchError {
  override readonly name = 'FileWatchError';
  override readonly code = 'BATCHWATCH_FILE_WATCH_FAILED';
  /** The path that is not watched. */
  readonly path: string;
  /** The system error code (`ENOSPC`, `EMFILE`, `EACCES`...), or `''` when there is none. */
  readonly systemCode: string;

  constructor(path: string, cause: unknown) {
    const systemCode = String((cause as { code?: unknown } | null)?.code ?? '');
    const what = systemCode === '' ? path : `${path} (${systemCode})`;
    super(`Cannot watch ${what}: ${watchFix(systemCode, path, cause)}`, { cause });
    this.path = path;
    this.systemCode = systemCode;
  }
}

function watchFix(systemCode: string, path: string, cause: unknown): string {
  switch (systemCode) {
    case 'ENOSPC':
      return (
        'the inotify watch limit is reached. Raise it (sysctl -w fs.inotify.max_user_watches=524288, ' +
        'and in /etc/sysctl.conf), watch less (ignored, depth), or use polling: true.'
      );
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files. Raise the limit (ulimit -n), watch less (ignored, depth), or use polling: true.';
    case 'EACCES':
    case 'EPERM':
      return `permission denied. Give this process read access to ${path}, or add it to ignored.`;
    default:
      return `${causeText(cause).replace(/\.$/, '')}. That path is not watched; the rest is.`;
  }
}

/** Base class of what the JFS proxy and daemon report. */
export class JfsServerError extends BatchwatchError {
  override readonly name: string = 'JfsServerError';
  override readonly code: string = 'BATCHWATCH_JFS_SERVER';
}

/** Base class of what a poll source reports as a warning or fails with. */
export class PollError extends BatchwatchError {
  override readonly name: string = 'PollError';
  override readonly code: string = 'BATCHWATCH_POLL';
}

/**
 * The change feed sent a revision that is not a decimal string of digits.
 * Fatal: the source could no longer tell where it is in the feed.
 */
export class RevisionError extends PollError {
  override readonly name = 'RevisionError';
  override readonly code = 'BATCHWATCH_POLL_BAD_REVISION';
  /** Where it was: `currentRevision`, `compactRevision` or `events[<i>].revision`. */
  readonly field: string;
  /** The value that was sent. */
  readonly revision: unknown;

  constructor(field: string, revision: unknown) {
    super(
      `The change feed sent ${describe(revision)} as ${field}: a revision must be a decimal ` +
        'string of digits, like "42". Fix the fetch function (or the server) to pass revisions as strings.',
    );
    this.field = field;
    this.revision = revision;
  }
}

/**
 * The requested or current revision is older than the server's compaction
 * revision: the changes in between are gone. Fatal; the events of that
 * response were not delivered. Re-list the state, then poll again with
 * `startRevision: error.compactRevision`.
 */
export class CompactedError extends PollError {
  override readonly name = 'CompactedError';
  override readonly code = 'BATCHWATCH_POLL_COMPACTED';
  /** The revision asked after, or `null` for the first fetch of a source started "from now". */
  readonly requestedRevision: string | null;
  /** The server's current revision. */
  readonly currentRevision: string;
  /** The server's compaction revision: restart from it. */
  readonly compactRevision: string;

  constructor(requestedRevision: string | null, currentRevision: string, compactRevision: string) {
    const older =
      requestedRevision === null
        ? `the current revision ${currentRevision} is`
        : `revision ${requestedRevision} is`;
    super(
      `The change feed is compacted up to revision ${compactRevision} and ${older} older: ` +
        `changes were lost. Re-list, then restart with startRevision: "${compactRevision}".`,
    );
    this.requestedRevision = requestedRevision;
    this.currentRevision = currentRevision;
    this.compactRevision = compactRevision;
  }
}

/** One fetch of a poll source failed; it is retried after `delayMs`. A warning. */
export class PollFetchError extends PollError {
  override readonly name = 'PollFetchError';
  override readonly code = 'BATCHWATCH_POLL_FETCH_FAILED';
  /** Consecutive failures so far, from 1: the retry number that follows. */
  readonly attempt: number;
  /** The wait before the retry, in ms. */
  readonly delayMs: number;

  constructor(attempt: number, delayMs: number, cause: unknown) {
    super(
      `Fetching the change feed failed (${attempt} in a row): ${causeText(cause)}. ` +
        `Retrying in ${Math.round(delayMs)} ms.`,
      { cause },
    );
    this.attempt = attempt;
    this.delayMs = delayMs;
  }
}

/** `maxRetries` fetches in a row failed (or the backoff gave up). Fatal. */
export class PollFailedError extends PollError {
  override readonly name = 'PollFailedError';
  override readonly code = 'BATCHWATCH_POLL_FAILED';
  /** Consecutive failed fetches. */
  readonly attempts: number;

  constructor(attempts: number, cause: unknown) {
    super(
      `Fetching the change feed failed ${attempts} time(s) in a row, the last with: ` +
        `${causeText(cause)}. Check the server, or raise maxRetries.`,
      { cause },
    );
    this.attempts = attempts;
  }
}

/** `toEvent` threw for a change. Fatal: skipping the change would lose it silently. */
export class PollMappingError extends PollError {
  override readonly name = 'PollMappingError';
  override readonly code = 'BATCHWATCH_POLL_MAPPING_FAILED';
  /** The revision of the change that could not be mapped; nothing from its response was delivered. */
  readonly revision: string;

  constructor(revision: string, cause: unknown) {
    super(
      `toEvent threw for the change at revision ${revision}: ${causeText(cause)}. ` +
        `Fix toEvent; restart with startRevision at the revision before it.`,
      { cause },
    );
    this.revision = revision;
  }
}

/** Base class of what `route()` reports to its `onError`. */
export class RouterError extends BatchwatchError {
  override readonly name: string = 'RouterError';
  override readonly code: string = 'BATCHWATCH_ROUTER';
}

/** A part of a batch failed on every try of its handler: the dead letter, with the events. */
export class DeadLetterError extends RouterError {
  override readonly name = 'DeadLetterError';
  override readonly code = 'BATCHWATCH_DEAD_LETTER';
  /** The handler's name: its key, or `fallback`. */
  readonly handler: string;
  /** The events that were not handled, in arrival order. */
  readonly events: readonly Event[];
  /** How many tries were made (0 when the router was closed before the first). */
  readonly attempts: number;

  constructor(handler: string, events: readonly Event[], attempts: number, cause: unknown) {
    const tries = attempts === 1 ? 'once' : `${attempts} times`;
    super(
      `Handler ${JSON.stringify(handler)} failed for ${events.length} event(s) (tried ${tries}): ` +
        `${causeText(cause)}`,
      { cause },
    );
    this.handler = handler;
    this.events = events;
    this.attempts = attempts;
  }
}

/** A try of a handler ran past its timeout; its signal was aborted with this error. */
export class HandlerTimeoutError extends RouterError {
  override readonly name = 'HandlerTimeoutError';
  override readonly code = 'BATCHWATCH_HANDLER_TIMEOUT';
  readonly handler: string;
  /** The timeout, in ms. */
  readonly timeout: number;
  /** The try that timed out, from 1. */
  readonly attempt: number;

  constructor(handler: string, timeout: number, attempt: number) {
    super(
      `Handler ${JSON.stringify(handler)} did not finish within ${timeout} ms (try ${attempt}). ` +
        'Make it honour its signal, or raise its timeout.',
    );
    this.handler = handler;
    this.timeout = timeout;
    this.attempt = attempt;
  }
}

/** The routing key function threw: these events of one batch were not handled. */
export class RouteKeyError extends RouterError {
  override readonly name = 'RouteKeyError';
  override readonly code = 'BATCHWATCH_ROUTE_KEY_FAILED';
  /** The events whose key threw, in arrival order. */
  readonly events: readonly Event[];

  constructor(events: readonly Event[], cause: unknown) {
    super(
      `The route key threw for ${events.length} event(s): ${causeText(cause)}. ` +
        'Make the key function total (return undefined for "no handler").',
      { cause },
    );
    this.events = events;
  }
}

/** The router was closed: the part was given up. The cause of such dead letters. */
export class RouterClosedError extends RouterError {
  override readonly name = 'RouterClosedError';
  override readonly code = 'BATCHWATCH_ROUTER_CLOSED';

  constructor() {
    super('The router is closed: the part was not handled. Build a new router.');
  }
}

/** Base class of what the Docker source reports. */
export class DockerSourceError extends BatchwatchError {
  override readonly name: string = 'DockerSourceError';
  override readonly code: string = 'BATCHWATCH_DOCKER';
}

/** What the Docker source was doing when its connection failed. */
export type DockerStreamPhase = 'connect' | 'stream' | 'list';

/**
 * A warning: the Docker event stream could not be opened (`connect`), ended or broke (`stream`),
 * or the initial container list failed (`list`). The source reconnects after `delayMs` and resumes
 * where it stopped.
 */
export class DockerStreamError extends DockerSourceError {
  override readonly name = 'DockerStreamError';
  override readonly code = 'BATCHWATCH_DOCKER_STREAM';
  readonly phase: DockerStreamPhase;
  /** The reconnect attempt that follows, from 1. */
  readonly attempt: number;
  /** The wait before it, in ms. */
  readonly delayMs: number;

  constructor(phase: DockerStreamPhase, attempt: number, delayMs: number, cause: unknown) {
    const what = {
      connect: 'could not connect',
      stream: 'event stream broke',
      list: 'container list failed',
    };
    super(
      `Docker ${what[phase]}: ${causeText(cause)}. Reconnecting in ${Math.round(delayMs)} ms ` +
        `(attempt ${attempt}); check that dockerd runs and DOCKER_HOST if it persists.`,
      { cause },
    );
    this.phase = phase;
    this.attempt = attempt;
    this.delayMs = delayMs;
  }
}

/** A warning: a line of the Docker event stream was not a usable event; it was skipped. */
export class DockerMalformedEventError extends DockerSourceError {
  override readonly name = 'DockerMalformedEventError';
  override readonly code = 'BATCHWATCH_DOCKER_MALFORMED_EVENT';
  /** The line, cut to 200 characters. */
  readonly line: string;
  /** What is wrong with it. */
  readonly reason: string;

  constructor(line: string, reason: string, cause?: unknown) {
    const cut = line.length > 200 ? `${line.slice(0, 200)}...` : line;
    super(
      `Skipped a malformed Docker event (${reason}): ${JSON.stringify(cut)}. ` +
        'Check that DOCKER_HOST points at a Docker daemon, not a proxy that rewrites /events.',
      { cause },
    );
    this.line = cut;
    this.reason = reason;
  }
}

/** Fatal: dockerd refused the events request with a client error (a bad filter, a 403 from a socket proxy). */
export class DockerRequestRefusedError extends DockerSourceError {
  override readonly name = 'DockerRequestRefusedError';
  override readonly code = 'BATCHWATCH_DOCKER_REFUSED';
  /** The HTTP status, 400 to 499. */
  readonly statusCode: number;

  constructor(statusCode: number, cause: unknown) {
    super(
      `dockerd refused the events request (HTTP ${statusCode}): ${causeText(cause)}. Fix the ` +
        'labels/containers/events filters, or allow /events (and /containers/json) in the socket proxy.',
      { cause },
    );
    this.statusCode = statusCode;
  }
}

/** Fatal: the `reconnect` policy gave up (returned null) after `attempts` failed reconnects. */
export class DockerReconnectGaveUpError extends DockerSourceError {
  override readonly name = 'DockerReconnectGaveUpError';
  override readonly code = 'BATCHWATCH_DOCKER_GAVE_UP';
  /** Reconnects tried before giving up. */
  readonly attempts: number;

  constructor(attempts: number, cause: unknown) {
    super(
      `Gave up on dockerd after ${attempts} reconnect attempt(s): ${causeText(cause)}. Start ` +
        'dockerd, check DOCKER_HOST, or use a reconnect policy that keeps trying.',
      { cause },
    );
    this.attempts = attempts;
  }
}

/**
 * A metric could not be registered: the registry already holds a metric of
 * that name with other label names, buckets or type, one not made by
 * batchwatch, or a series with the same label values (two queues, or two
 * sources of one name, that nothing tells apart). Nothing was registered.
 */
export class MetricsConflictError extends BatchwatchError {
  override readonly name = 'MetricsConflictError';
  override readonly code = 'BATCHWATCH_METRICS_CONFLICT';
  /** The full metric name (`batchwatch_queue_events_received_total`). */
  readonly metric: string;
  /** The constant labels of the series that could not be added. */
  readonly labels: Readonly<Record<string, string>>;

  constructor(
    metric: string,
    labels: Readonly<Record<string, string>>,
    reason: string,
    cause?: unknown,
  ) {
    super(
      `Cannot register metric ${metric}${formatLabels(labels)}: ${reason}. Give each queue, ` +
        'source, proxy or router distinct labels (or a name), or use another prefix or registry.',
      { cause },
    );
    this.metric = metric;
    this.labels = labels;
  }
}

/**
 * Reading a member's value at scrape time threw (its `stats()`, or a value
 * getter): that member's series are left out of the scrape, the others are
 * exposed. Reported once per member through `process.emitWarning`.
 */
export class MetricsCollectError extends BatchwatchError {
  override readonly name = 'MetricsCollectError';
  override readonly code = 'BATCHWATCH_METRICS_COLLECT';
  /** The full metric name. */
  readonly metric: string;
  /** The constant labels of the member whose series were left out. */
  readonly labels: Readonly<Record<string, string>>;

  constructor(metric: string, labels: Readonly<Record<string, string>>, cause: unknown) {
    super(
      `Reading ${metric}${formatLabels(labels)} threw ${describeCause(cause)}: its series are ` +
        'left out of the scrape. Fix what it reads (stats(), status), or unregister it.',
      { cause },
    );
    this.metric = metric;
    this.labels = labels;
  }
}

function formatLabels(labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}=${JSON.stringify(value)}`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}
