// A real JFS server for the client specs: it listens on an ephemeral TCP port (or a unix socket),
// records every frame each connection sends, decoded with the library's own codec, and sends
// whatever bytes a test asks for. Not a proxy: it never answers on its own.
import { createServer, type Server, type Socket } from 'node:net';
import { type DecodedItem, FrameDecoder } from '../../../../lib/jfs-protocol/frame-decoder.ts';

/** One accepted connection and what it sent. */
export interface TestConnection {
  readonly socket: Socket;
  /** Decoded frames, in order. */
  readonly frames: DecodedItem[];
  /** True once the client side closed. */
  closed: boolean;
}

/** Where to listen: a TCP port (0 for any), or a unix socket path. */
export type Listen = { readonly port: number } | { readonly path: string };

export class JfsTestServer {
  /** Every connection ever accepted, oldest first. */
  readonly connections: TestConnection[] = [];
  readonly #server: Server;
  readonly #listen: Listen;

  private constructor(listen: Listen) {
    this.#listen = listen;
    this.#server = createServer((socket) => {
      const connection: TestConnection = { socket, frames: [], closed: false };
      const decoder = new FrameDecoder();
      socket.on('data', (chunk) => connection.frames.push(...decoder.push(chunk)));
      socket.on('error', () => {});
      socket.on('close', () => {
        connection.closed = true;
      });
      this.connections.push(connection);
    });
  }

  /** Starts listening; resolves once bound. */
  static async start(listen: Listen = { port: 0 }): Promise<JfsTestServer> {
    const started = new JfsTestServer(listen);
    const server = started.#server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      const ready = (): void => {
        server.off('error', reject);
        resolve();
      };
      if ('path' in listen) server.listen(listen.path, ready);
      else server.listen(listen.port, '127.0.0.1', ready);
    });
    return started;
  }

  /** The address for the client's `server` option. */
  get address(): string {
    if ('path' in this.#listen) return `unix:${this.#listen.path}`;
    return `127.0.0.1:${this.port}`;
  }

  /** The TCP port it is bound to. */
  get port(): number {
    const bound = this.#server.address();
    if (bound === null || typeof bound === 'string') throw new Error('not a TCP server');
    return bound.port;
  }

  /** The newest connection (the one a test talks to). */
  get last(): TestConnection {
    const connection = this.connections.at(-1);
    if (connection === undefined) throw new Error('no client connected yet');
    return connection;
  }

  /** Connections the client still holds open. */
  get open(): TestConnection[] {
    return this.connections.filter((connection) => !connection.closed);
  }

  /** Writes raw bytes to the newest connection. */
  send(bytes: Uint8Array): void {
    this.last.socket.write(bytes);
  }

  /** Closes every accepted connection from the server side; the server keeps listening. */
  dropConnections(): void {
    for (const connection of this.connections) connection.socket.destroy();
  }

  /** Stops listening and closes every connection; resolves once the listener is gone. */
  async stop(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
