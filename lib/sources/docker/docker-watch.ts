import { Action } from '../../events/action.ts';
import type { Event } from '../../events/event.ts';
import { RetryLoop } from '../../retry-loop.ts';
import type { SourceContext } from '../event-source.ts';
import {
  DockerMalformedEventError,
  DockerReconnectGaveUpError,
  DockerRequestRefusedError,
  DockerStreamError,
  type DockerStreamPhase,
} from './docker-errors.ts';
import { type DockerMessage, parseDockerMessage } from './docker-message.ts';
import { InitialState, type ResolvedDockerSourceOptions } from './docker-source-options.ts';
import { initialEvents } from './initial-events.ts';
import { JsonLinesReader } from './json-lines-reader.ts';
import { replayHolds } from './replay-holds.ts';
import { ResumePoint, restoreResumePoint } from './resume-point.ts';
import { dockerForceReload, toDockerEvent } from './to-docker-event.ts';

/** One try at the event stream. */
interface Connection {
  readonly abort: AbortController;
  stream: NodeJS.ReadableStream | null;
  /**
   * Messages that arrived while the initial state or the replay check was pending: they follow
   * what those emit. Null once delivery is direct.
   */
  held: DockerMessage[] | null;
  broken: boolean;
}

/**
 * The Docker source's work for one subscriber: open the event stream, emit the initial state,
 * read, and on any end or error reconnect with backoff and resume where it stopped, proving the
 * gap empty or emitting a ForceReload.
 */
export class DockerWatch {
  readonly #options: ResolvedDockerSourceOptions;
  readonly #context: SourceContext;
  readonly #filters: Readonly<Record<string, readonly string[]>>;
  readonly #resume: ResumePoint;
  readonly #reader: JsonLinesReader;
  #connection: Connection | null = null;
  /** Failed tries since the last good connection, and the one reconnect timer. */
  readonly #retry: RetryLoop;
  /** A connection was fully established once: a later break may lose events. */
  #connected = false;
  #initialPending: boolean;
  #closed = false;

  constructor(options: ResolvedDockerSourceOptions, context: SourceContext) {
    this.#options = options;
    this.#context = context;
    this.#initialPending = options.initialState !== InitialState.None;
    // A checkpoint from an earlier run: resume from it as after a reconnect (see resume-point.ts).
    const restored = restoreResumePoint(options, context);
    this.#resume = restored ?? new ResumePoint();
    if (restored !== null) {
      this.#connected = true;
      this.#initialPending = false;
    }
    this.#retry = new RetryLoop({
      policy: options.retry,
      option: 'retry',
      scheduler: options.scheduler,
    });
    for (const counter of ['forceReloads', 'duplicates', 'unmapped', 'malformed']) {
      context.count(counter, 0);
    }
    const filters: Record<string, readonly string[]> = { type: ['container'] };
    if (options.labels.length > 0) filters['label'] = options.labels;
    if (options.containers.length > 0) filters['container'] = options.containers;
    if (options.events.length > 0) filters['event'] = options.events;
    this.#filters = Object.freeze(filters);
    this.#reader = new JsonLinesReader({
      value: (value, text) => this.#message(value, text),
      malformed: (text, error) => this.#malformed(text, error.message, error),
    });
  }

  /** Starts the first connection. */
  start(): void {
    void this.#connect();
  }

  /** Aborts the request, destroys the stream, cancels the reconnect timer. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#retry.cancel();
    const connection = this.#connection;
    this.#connection = null;
    if (connection !== null) release(connection);
  }

  async #connect(): Promise<void> {
    const connection: Connection = {
      abort: new AbortController(),
      stream: null,
      held: [],
      broken: false,
    };
    this.#connection = connection;
    const signal = AbortSignal.any([this.#context.signal, connection.abort.signal]);
    const since = this.#resume.since;
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.#options.client.events({
        filters: this.#filters,
        ...(since === null ? {} : { since }),
        signal,
      });
    } catch (err) {
      this.#fail(connection, 'connect', err);
      return;
    }
    connection.stream = stream;
    if (this.#closed || connection !== this.#connection) {
      release(connection);
      return;
    }
    this.#reader.reset();
    stream.on('data', (chunk: Buffer) => {
      if (connection === this.#connection) this.#reader.write(chunk);
    });
    // dockerode's stream never emits 'end' when the daemon dies: 'aborted', 'error', 'close'.
    stream.on('error', (err: unknown) => this.#fail(connection, 'stream', err));
    stream.on('end', () => this.#fail(connection, 'stream', new Error('dockerd ended the stream')));
    stream.on('close', () => this.#fail(connection, 'stream', new Error('the stream closed')));
    let lead: Event[];
    try {
      lead = await this.#lead(since, signal);
    } catch (err) {
      this.#fail(connection, 'list', err);
      return;
    }
    if (connection !== this.#connection || connection.broken) return;
    this.#initialPending = false;
    this.#connected = true;
    this.#retry.succeeded();
    for (const event of lead) {
      if (event.action === Action.ForceReload) this.#context.count('forceReloads');
      this.#context.next(event);
    }
    const held = connection.held ?? [];
    connection.held = null;
    for (const message of held) this.#deliver(message);
    this.#context.status({ kind: 'ready', since: this.#options.scheduler.now() });
  }

  /** What precedes the stream's messages on this connection: the initial state, or a ForceReload. */
  async #lead(since: string | null, signal: AbortSignal): Promise<Event[]> {
    const { client, initialState } = this.#options;
    if (this.#initialPending) {
      if (initialState === InitialState.ForceReload) return [dockerForceReload()];
      // Listed after the stream is open: a change during the list is in the stream too.
      const containers = await client.containers({
        filters: this.#options.labels.length > 0 ? { label: this.#options.labels } : {},
        signal,
      });
      return initialEvents(containers, this.#options);
    }
    if (!this.#connected) return [];
    if (since === null) {
      // Connected before, saw nothing: there is no event whose replay could prove the gap empty.
      return [dockerForceReload()];
    }
    let proven = false;
    try {
      proven = await replayHolds(client, this.#filters, since, this.#resume, signal);
    } catch (err) {
      this.#context.log('replay check failed, reloading: %O', err);
    }
    return proven ? [] : [dockerForceReload()];
  }

  #message(value: unknown, text: string): void {
    const message = parseDockerMessage(value, text);
    if (typeof message === 'string') {
      this.#malformed(text, message);
      return;
    }
    const held = this.#connection?.held;
    if (held != null) held.push(message);
    else this.#deliver(message);
  }

  #deliver(message: DockerMessage): void {
    if (!this.#resume.accept(message)) {
      this.#context.count('duplicates');
      return;
    }
    const event = toDockerEvent(message, this.#options.actionMap);
    if (event === null || message.type !== 'container') {
      this.#context.count('unmapped');
      return;
    }
    this.#context.next(event);
    // After the event went on: a journal commits the point with it, never ahead of it.
    const { checkpoint, checkpointName } = this.#options;
    checkpoint?.setCheckpoint(checkpointName, this.#resume.serialize() as string);
  }

  #malformed(text: string, reason: string, cause?: unknown): void {
    this.#context.count('malformed');
    this.#context.warn(new DockerMalformedEventError(text, reason, cause));
  }

  #fail(connection: Connection, phase: DockerStreamPhase, err: unknown): void {
    if (this.#closed || connection.broken || connection !== this.#connection) return;
    connection.broken = true;
    release(connection);
    const dropped = this.#reader.reset();
    if (dropped > 0) this.#context.log('dropped %d characters of a cut line', dropped);
    const statusCode = (err as { statusCode?: unknown } | null)?.statusCode;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      this.#context.error(new DockerRequestRefusedError(statusCode, err));
      return;
    }
    const step = this.#retry.failed((attempt) => {
      if (this.#closed) return;
      this.#context.status({ kind: 'connecting', attempt });
      void this.#connect();
    });
    if (!step.retry) {
      this.#context.error(new DockerReconnectGaveUpError(step.attempt - 1, err));
      return;
    }
    const { attempt, delay: delayMs } = step;
    const error = new DockerStreamError(phase, attempt, delayMs, err);
    this.#context.warn(error);
    this.#context.status({ kind: 'reconnecting', attempt, delayMs, error });
  }
}

function release(connection: Connection): void {
  connection.abort.abort();
  const stream = connection.stream as { destroy?: () => void } | null;
  stream?.destroy?.();
}
