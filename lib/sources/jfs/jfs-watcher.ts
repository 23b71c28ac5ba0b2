import createDebug from 'debug';
import type { Observable } from 'rxjs';
import { BehaviorSubject } from 'rxjs/internal/BehaviorSubject';
import { Subject } from 'rxjs/internal/Subject';
import { JfsError, OptionsError } from '../../errors.ts';
import { encodeMessage } from '../../jfs-protocol/encode-message.ts';
import { FIELD_SIZE } from '../../jfs-protocol/field.ts';
import { FrameDecoder } from '../../jfs-protocol/frame-decoder.ts';
import type { JfsEvent, JfsEventMessage, JfsMessage } from '../../jfs-protocol/jfs-message.ts';
import { MessageType, messageTypeName } from '../../jfs-protocol/message-type.ts';
import { FrameTooLargeError, MalformedFrameError } from '../../jfs-protocol/protocol-errors.ts';
import { RetryLoop } from '../../retry-loop.ts';
import { connectFrames } from './connect-frames.ts';
import { JfsConnectionError, WatcherClosedError, WatchRefusedError } from './jfs-client-errors.ts';
import type { JfsConnection, JfsTransport } from './jfs-transport.ts';
import {
  FsType,
  type JfsWatcherOptions,
  type ResolvedJfsWatcherOptions,
  resolveJfsWatcherOptions,
} from './jfs-watcher-options.ts';
import type { NotifyWatcher, WatcherStatus } from './notify-watcher.ts';
import { type DialAddress, socketTransport } from './socket-transport.ts';

const log = createDebug('batchwatch:jfs');

/**
 * A connection that drops after being up this long is re-dialled at once; one
 * that drops sooner counts as a failed try and backs off, so that a server
 * that accepts and closes at once is not hammered.
 */
export const STABLE_CONNECTION_MS = 1000;

/** The connection being dialled or up, and what settles once it is gone. */
interface Dial {
  readonly connection: JfsConnection;
  readonly closed: Promise<void>;
}

/**
 * The remote file-notify client: Go's `JFSWatcher` over a {@link JfsTransport}
 * (a TCP or unix socket by default; protocol: `shared/JFS-PROTOCOL.md`). The
 * constructor never fails because the server is down: it connects in the
 * background and reconnects on a `RetryLoop` (see `retry`). On the first
 * connection it sends CLEAR then WATCH(all); on each reconnection WATCH(all)
 * only, as Go does (a new connection starts with no watches on the server).
 * It is always remote, whatever `fsType` or `$FS_TYPE` say:
 * `createNotifyWatcher` is what honours them.
 *
 * ```
 *  connecting ─connected, watches written─► ready ─lost after ≥ 1 s─► (re-dial at once)
 *      │ failed, or lost sooner                                  │
 *      ▼                                                          ▼
 *  reconnecting (policy's delay) ─► connecting          close() / policy gives up ─► closed
 * ```
 *
 * @example
 * await using watcher = new JfsWatcher({ name: 'config', paths: ['/data/config'] });
 * watcher.events$.subscribe((e) => print(`${opString(e.op)} ${e.name}`));
 */
export class JfsWatcher implements NotifyWatcher {
  readonly events$: Observable<JfsEvent>;
  readonly warnings$: Observable<JfsError>;
  readonly status$: Observable<WatcherStatus>;
  /** The channel id the server files this watcher's paths under. */
  readonly channelId: string;

  readonly #options: ResolvedJfsWatcherOptions;
  readonly #transport: JfsTransport;
  readonly #paths: Set<string>;
  readonly #events = new Subject<JfsEvent>();
  readonly #warnings = new Subject<JfsError>();
  readonly #status = new BehaviorSubject<WatcherStatus>({ kind: 'connecting', attempt: 0 });
  readonly #retry: RetryLoop;
  #dial: Dial | null = null;
  #connected = false;
  #readyAt = -1;
  #everConnected = false;
  #closing: Promise<void> | null = null;

  /** @throws OptionsError, WatcherNameError, AddressError or FieldTooLongError for bad options. */
  constructor(options: JfsWatcherOptions = {}) {
    this.#options = resolveJfsWatcherOptions({ ...options, fsType: FsType.Jfs });
    this.#transport =
      this.#options.transport ??
      socketTransport(this.#options.address as DialAddress, this.#options);
    this.channelId = this.#options.channelId;
    this.#paths = new Set(this.#options.paths);
    this.events$ = this.#events.asObservable();
    this.warnings$ = this.#warnings.asObservable();
    this.status$ = this.#status.asObservable();
    this.#retry = new RetryLoop({
      policy: this.#options.retry,
      option: 'retry',
      scheduler: this.#options.scheduler,
    });
    this.#connect(0);
  }

  get status(): WatcherStatus {
    return this.#status.value;
  }

  add(path: string): void {
    this.#update('add', MessageType.Watch, path);
  }

  remove(path: string): void {
    this.#update('remove', MessageType.Unwatch, path);
  }

  watchList(): string[] {
    return [...this.#paths];
  }

  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    this.#retry.cancel();
    const dial = this.#dial;
    this.#dial = null;
    this.#connected = false;
    this.#closing = dial?.closed ?? Promise.resolve();
    dial?.connection.destroy();
    this.#setStatus({ kind: 'closed' });
    log('closed %s', this.channelId);
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** The one place the status changes; `closed` is final and completes the streams. */
  #setStatus(next: WatcherStatus): void {
    const now = this.#status.value;
    if (now.kind === 'closed') return;
    if (next.kind === 'connecting' && now.kind === 'connecting' && now.attempt === next.attempt) {
      return;
    }
    this.#status.next(next);
    if (next.kind !== 'closed') return;
    this.#events.complete();
    this.#warnings.complete();
    this.#status.complete();
  }

  #update(
    what: 'add' | 'remove',
    type: typeof MessageType.Watch | typeof MessageType.Unwatch,
    path: string,
  ): void {
    if (this.#closing !== null) throw new WatcherClosedError(`${what}(${JSON.stringify(path)})`);
    if (typeof path !== 'string' || path === '') {
      throw new OptionsError('path', path, 'a non-empty path string');
    }
    const watch = type === MessageType.Watch;
    if (this.#paths.has(path) === watch) return;
    // Encoding first validates the path before it is recorded.
    const frame = encodeMessage({ type, channelId: this.channelId, paths: [path] });
    if (watch) this.#paths.add(path);
    else this.#paths.delete(path);
    if (this.#connected) this.#dial?.connection.send([frame]);
  }

  /** Dials: the first try (`attempt` 0) or retry number `attempt`, as `LinkStatus` counts. */
  #connect(attempt: number): void {
    this.#setStatus({ kind: 'connecting', attempt });
    log('dial %s (retry %d)', this.#options.server, attempt);
    const decoder = new FrameDecoder(this.#options.maxFrameLength);
    let gone: () => void = () => {};
    const closed = new Promise<void>((resolve) => {
      gone = resolve;
    });
    const connection: JfsConnection = this.#transport.dial({
      connected: () => this.#onConnect(connection),
      data: (chunk) => this.#onData(connection, decoder, chunk),
      closed: (failure) => {
        gone();
        this.#onClose(connection, failure);
      },
    });
    this.#dial = { connection, closed };
    this.#connected = false;
    this.#readyAt = -1;
  }

  #onConnect(connection: JfsConnection): void {
    if (connection !== this.#dial?.connection) return;
    this.#connected = true;
    const frames = connectFrames(
      this.channelId,
      [...this.#paths],
      !this.#everConnected,
      this.#options.reportRefusals,
    );
    this.#everConnected = true;
    log('connected; sending %d frame(s)', frames.length);
    const ready = (): void => {
      if (connection !== this.#dial?.connection) return;
      this.#readyAt = this.#options.scheduler.now();
      this.#setStatus({ kind: 'ready', since: this.#readyAt });
    };
    if (frames.length === 0) ready();
    else connection.send(frames, ready);
  }

  #onData(connection: JfsConnection, decoder: FrameDecoder, chunk: Uint8Array): void {
    for (const item of decoder.push(chunk)) {
      if (connection !== this.#dial?.connection) return;
      if (item instanceof FrameTooLargeError) {
        connection.destroy(item);
      } else if (item instanceof MalformedFrameError) {
        this.#warnings.next(item);
      } else if (item.type === MessageType.Error && this.#options.reportRefusals) {
        this.#warnings.next(
          new WatchRefusedError(this.#options.server, item.channelId, item.path, item.reason),
        );
      } else if (item.type !== MessageType.Event) {
        this.#warnings.next(unexpected(item));
      } else {
        for (const event of item.events) {
          if (connection !== this.#dial?.connection) return;
          this.#events.next(event);
        }
      }
    }
  }

  #onClose(connection: JfsConnection, failure: unknown): void {
    if (connection !== this.#dial?.connection) return;
    this.#dial = null;
    const wasConnected = this.#connected;
    this.#connected = false;
    const error =
      failure instanceof JfsError
        ? failure
        : new JfsConnectionError(
            this.#options.server,
            wasConnected ? 'the connection was lost' : 'could not connect',
            failure,
          );
    log('connection closed: %s', error.message);
    this.#warnings.next(error);
    const upFor = this.#readyAt < 0 ? -1 : this.#options.scheduler.now() - this.#readyAt;
    if (upFor >= STABLE_CONNECTION_MS) {
      // It was working: this outage starts now, and its first re-dial is immediate: the first
      // try after being ready, which asks no policy (the warning above says why).
      this.#retry.succeeded();
      this.#connect(0);
      return;
    }
    // A connection that was ready for less than STABLE_CONNECTION_MS does not start the count
    // again: a server that accepts and drops at once is backed off, not hammered.
    const step = this.#retry.failed((attempt) => this.#connect(attempt));
    if (!step.retry) {
      log('retry policy gave up after %d tries', step.attempt);
      this.#closing = Promise.resolve();
      this.#setStatus({ kind: 'closed', error });
      return;
    }
    this.#setStatus({ kind: 'reconnecting', attempt: step.attempt, delayMs: step.delay, error });
  }
}

/** A server sent a client-to-server message: reported, skipped. */
function unexpected(message: Exclude<JfsMessage, JfsEventMessage>): MalformedFrameError {
  const fields = 'paths' in message ? 1 + message.paths.length : 1;
  return new MalformedFrameError(
    message.type,
    4 + FIELD_SIZE * fields,
    `unexpected ${messageTypeName(message.type)} from the server, which only sends EVENT frames`,
  );
}
