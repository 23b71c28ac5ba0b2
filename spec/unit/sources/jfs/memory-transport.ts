// An in-memory JfsTransport: each dial is a MemoryConnection the test drives (accept, receive,
// drop) and inspects (the frames the watcher sent, decoded).

import { FrameDecoder } from '../../../../lib/jfs-protocol/frame-decoder.ts';
import type { JfsMessage } from '../../../../lib/jfs-protocol/jfs-message.ts';
import type {
  JfsConnection,
  JfsConnectionEvents,
  JfsTransport,
} from '../../../../lib/sources/jfs/jfs-transport.ts';

export class MemoryConnection implements JfsConnection {
  readonly sent: Uint8Array[] = [];
  destroyed = false;
  /** What `destroy()` was given. */
  destroyError: Error | undefined;
  readonly #events: JfsConnectionEvents;

  constructor(events: JfsConnectionEvents) {
    this.#events = events;
  }

  send(frames: readonly Uint8Array[], written?: () => void): void {
    if (this.destroyed) return;
    this.sent.push(...frames);
    written?.();
  }

  destroy(error?: Error): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.destroyError = error;
    this.#events.closed(error);
  }

  /** The server accepts the connection. */
  accept(): void {
    this.#events.connected();
  }

  /** Bytes from the server. */
  receive(bytes: Uint8Array): void {
    this.#events.data(bytes);
  }

  /** The connection fails or breaks. */
  drop(error: Error = new Error('ECONNRESET')): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.#events.closed(error);
  }

  /** The frames sent, decoded. */
  messages(): JfsMessage[] {
    const decoder = new FrameDecoder();
    return this.sent.flatMap((frame) => decoder.push(frame)) as JfsMessage[];
  }
}

export class MemoryTransport implements JfsTransport {
  readonly dials: MemoryConnection[] = [];

  dial(events: JfsConnectionEvents): JfsConnection {
    const connection = new MemoryConnection(events);
    this.dials.push(connection);
    return connection;
  }

  /** The latest dial. */
  get last(): MemoryConnection {
    const last = this.dials.at(-1);
    if (last === undefined) throw new Error('no dial yet');
    return last;
  }
}
