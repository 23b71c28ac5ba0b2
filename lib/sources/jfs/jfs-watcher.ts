import type { Socket } from 'node:net';
import createDebug from 'debug';
import { BehaviorSubject, type Observable, Subject, type Subscription } from 'rxjs';
import { JfsError, OptionsError } from '../../errors.ts';
import { encodeMessage } from '../../jfs-protocol/encode-message.ts';
import { FIELD_SIZE } from '../../jfs-protocol/field.ts';
import { FrameDecoder } from '../../jfs-protocol/frame-decoder.ts';
import type { JfsEvent, JfsEventMessage, JfsMessage } from '../../jfs-protocol/jfs-message.ts';
import { MessageType, messageTypeName } from '../../jfs-protocol/message-type.ts';
import { FrameTooLargeError, MalformedFrameError } from '../../jfs-protocol/protocol-errors.ts';
import { askRetryPolicy } from '../../options.ts';
import { formatAddress } from './address.ts';
import { connectFrames } from './connect-frames.ts';
import { JfsConnectionError, WatcherClosedError } from './jfs-client-errors.ts';
import { type DialAddress, openSocket } from './jfs-transport.ts';
import {
  FsType,
  type JfsWatcherOptions,
  type ResolvedJfsWatcherOptions,
  resolveJfsWatcherOptions,
} from './jfs-watcher-options.ts';
import type { NotifyWatcher, WatcherStatus } from './notify-watcher.ts';

const log = createDebug('batchwatch:jfs');

/**
 * A connection that drops after being up this long is re-dialled at once; one
 * that drops sooner counts as a failed try and backs off, so that a server
 * that accepts and closes at once is not hammered.
 */
export const STABLE_CONNECTION_MS = 1000;

/**
 * The remote file-notify client: Go's `JFSWatcher` over TCP or a unix socket
 * (protocol: `shared/JFS-PROTOCOL.md`). The constructor never fails because
 * the server is down: it connects in the background and reconnects for ever
 * (see `reconnect`). On the first connection it sends CLEAR then WATCH(all);
 * on each reconnection WATCH(all) only, as Go does (a new connection starts
 * with no watches on the server). It is always remote, whatever `fsType` or
 * `$FS_TYPE` say: `createNotifyWatcher` is what honours them.
 *
 * @example
 * await using watcher = new JfsWatcher({ name: 'config', paths: ['/data/config'] });
 * watcher.events$.subscribe((e) => print(`${opString(e.op)} ${e.name}`));
 */
export class JfsWatcher implements NotifyWatcher {
  readonly events$: Observable<JfsEvent>;
  readonly errors$: Observable<JfsError>;
  readonly status$: Observable<WatcherStatus>;
  /** The channel id the server files this watcher's paths under. */
  readonly channelId: string;

  readonly #options: ResolvedJfsWatcherOptions;
  readonly #address: DialAddress;
  readonly #paths: Set<string>;
  readonly #events = new Subject<JfsEvent>();
  readonly #errors = new Subject<JfsError>();
  readonly #status = new BehaviorSubject<WatcherStatus>({ kind: 'connecting', attempt: 1 });
  #socket: Socket | null = null;
  #connected = false;
  #readyAt = -1;
  #everConnected = false;
  /** Dial number within the current outage, from 1. */
  #attempt = 0;
  #timer: Subscription | null = null;
  #closing: Promise<void> | null = null;

  /** @throws OptionsError, WatcherNameError, AddressError or FieldTooLongError for bad options. */
  constructor(options: JfsWatcherOptions = {}) {
    this.#options = resolveJfsWatcherOptions({ ...options, fsType: FsType.Jfs });
    this.#address = this.#options.address as DialAddress;
    this.channelId = this.#options.channelId;
    this.#paths = new Set(this.#options.paths);
    this.events$ = this.#events.asObservable();
    this.errors$ = this.#errors.asObservable();
    this.status$ = this.#status.asObservable();
    this.#dial();
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
    this.#timer?.unsubscribe();
    this.#timer = null;
    const socket = this.#socket;
    this.#socket = null;
    this.#connected = false;
    const closed =
      socket === null ? Promise.resolve() : new Promise<void>((r) => socket.once('close', r));
    socket?.destroy();
    this.#closing = closed;
    this.#status.next({ kind: 'closed' });
    this.#complete();
    log('closed %s', this.channelId);
    return closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
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
    const socket = this.#socket;
    if (socket !== null && this.#connected && !socket.destroyed) socket.write(frame);
  }

  #dial(): void {
    this.#timer = null;
    this.#attempt++;
    const current = this.#status.value;
    if (current.kind !== 'connecting' || current.attempt !== this.#attempt) {
      this.#status.next({ kind: 'connecting', attempt: this.#attempt });
    }
    log('dial %s (attempt %d)', formatAddress(this.#address), this.#attempt);
    const socket = openSocket(this.#address, this.#options);
    const decoder = new FrameDecoder(this.#options.maxFrameLength);
    let failure: unknown;
    this.#socket = socket;
    this.#connected = false;
    this.#readyAt = -1;
    socket.on('connect', () => this.#onConnect(socket));
    socket.on('data', (chunk: Buffer) => this.#onData(socket, decoder, chunk));
    socket.on('error', (error) => {
      failure ??= error;
    });
    socket.on('close', () => this.#onClose(socket, failure));
  }

  #onConnect(socket: Socket): void {
    if (socket !== this.#socket) return;
    this.#connected = true;
    const frames = connectFrames(this.channelId, [...this.#paths], !this.#everConnected);
    this.#everConnected = true;
    log('connected; sending %d frame(s)', frames.length);
    const ready = (error?: Error | null): void => {
      if (error || socket !== this.#socket) return;
      this.#readyAt = this.#options.scheduler.now();
      this.#status.next({ kind: 'ready', since: this.#readyAt });
    };
    if (frames.length === 0) {
      ready();
      return;
    }
    socket.cork();
    for (const [i, frame] of frames.entries()) {
      socket.write(frame, i === frames.length - 1 ? ready : undefined);
    }
    socket.uncork();
  }

  #onData(socket: Socket, decoder: FrameDecoder, chunk: Buffer): void {
    if (socket !== this.#socket) return;
    for (const item of decoder.push(chunk)) {
      if (socket !== this.#socket) return;
      if (item instanceof FrameTooLargeError) {
        socket.destroy(item);
      } else if (item instanceof MalformedFrameError) {
        this.#errors.next(item);
      } else if (item.type !== MessageType.Event) {
        this.#errors.next(unexpected(item));
      } else {
        for (const event of item.events) {
          if (socket !== this.#socket) return;
          this.#events.next(event);
        }
      }
    }
  }

  #onClose(socket: Socket, failure: unknown): void {
    if (socket !== this.#socket) return;
    this.#socket = null;
    const wasConnected = this.#connected;
    this.#connected = false;
    const wasReady = this.#readyAt >= 0;
    const address = this.#options.server;
    const error =
      failure instanceof JfsError
        ? failure
        : new JfsConnectionError(
            address,
            wasConnected ? 'the connection was lost' : 'could not connect',
            failure,
          );
    log('connection closed: %s', error.message);
    this.#errors.next(error);
    if (this.#closing !== null) return;
    if (wasReady && this.#options.scheduler.now() - this.#readyAt >= STABLE_CONNECTION_MS) {
      this.#attempt = 0;
      this.#status.next({ kind: 'reconnecting', attempt: 1, delayMs: 0, error });
      this.#dial();
      return;
    }
    // The policy is user code: askRetryPolicy() survives it and caps what it answers.
    const decision = askRetryPolicy(this.#options.reconnect, this.#attempt, 'reconnect');
    if (!decision.retry) {
      log('reconnect policy gave up after %d tries', this.#attempt);
      this.#closing = Promise.resolve();
      this.#status.next({ kind: 'closed', error });
      this.#complete();
      return;
    }
    const delay = decision.delay;
    this.#status.next({ kind: 'reconnecting', attempt: this.#attempt + 1, delayMs: delay, error });
    this.#timer = this.#options.scheduler.schedule(() => this.#dial(), delay);
  }

  #complete(): void {
    this.#events.complete();
    this.#errors.complete();
    this.#status.complete();
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
