import type { Socket } from 'node:net';
import type { JfsEvent } from '../jfs-protocol/jfs-message.ts';
import { FrameBatcher } from './frame-batcher.ts';
import type { ConnectionHost } from './proxy-connection.ts';
import { SlowClientError } from './proxy-errors.ts';
import { SendQueue, type SlowClientVerdict } from './send-queue.ts';
import { WriteDebouncer } from './write-debouncer.ts';

/**
 * What one connection sends: events through the write debounce, into EVENT
 * frames of many records (one per turn of the event loop), through the
 * bounded send queue, which drops a client that stops reading (with a
 * warning, in the proxy's log) and pauses the feed while it is full.
 *
 * ```
 *  event ─► WriteDebouncer ─► FrameBatcher ─► SendQueue ─► socket
 * ```
 */
export class ConnectionOutput {
  readonly #socket: Socket;
  readonly #host: ConnectionHost;
  readonly #remote: string;
  readonly #debouncer: WriteDebouncer;
  readonly #batcher: FrameBatcher;
  readonly #sender: SendQueue;
  #closed = false;

  constructor(socket: Socket, host: ConnectionHost, remote: string) {
    this.#socket = socket;
    this.#host = host;
    this.#remote = remote;
    const { options } = host;
    this.#sender = new SendQueue(socket, options, (verdict) => this.#drop(verdict), host.throttle);
    this.#batcher = new FrameBatcher(
      options.maxRecordsPerFrame,
      (frame, records) => this.#write(frame, records),
      (warning) => host.warn(warning),
    );
    this.#debouncer = new WriteDebouncer(options.writeDebounce, options.scheduler, (event) => {
      if (!this.#closed) this.#batcher.push(event);
    });
  }

  /** Writes merged into a later write by the debounce. */
  get debounced(): number {
    return this.#debouncer.superseded;
  }

  /** An event (already in pod paths) for the client. */
  send(event: JfsEvent): void {
    this.#debouncer.push(event);
  }

  /** A whole frame (an ERROR frame) for the client; false once it was dropped. */
  sendFrame(frame: Buffer): boolean {
    return this.#sender.send(frame);
  }

  /** The connection closed: nothing more goes out, what waits is dropped. */
  close(): void {
    this.#closed = true;
    this.#sender.stop();
    this.#debouncer.close();
    this.#batcher.close();
  }

  /** One EVENT frame of `records` events, through the send queue. */
  #write(frame: Buffer, records: number): void {
    if (this.#closed || !this.#sender.send(frame)) return;
    this.#host.count('framesOut');
    this.#host.count('eventsDelivered', records);
  }

  /** The client stopped reading (or passed the hard cap): it reconnects and re-registers. */
  #drop(verdict: SlowClientVerdict): void {
    const { maxQueuedBytes, maxBufferedBytes, slowClientGrace } = this.#host.options;
    this.#host.count('droppedClients');
    this.#host.warn(
      verdict.reason === 'stalled'
        ? SlowClientError.stalled(
            this.#remote,
            verdict.queuedBytes,
            maxQueuedBytes,
            verdict.stalledFor,
            slowClientGrace,
          )
        : SlowClientError.overCap(this.#remote, verdict.queuedBytes, maxBufferedBytes),
    );
    this.#socket.destroy();
  }
}
