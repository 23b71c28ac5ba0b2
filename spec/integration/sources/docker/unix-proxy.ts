// A pass-through proxy between the Docker source and a real dockerd, on a unix socket: the tests
// cut the source's live stream and hold its reconnects off without touching the daemon.
import { unlink } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';

export class UnixProxy {
  readonly path: string;
  readonly #target: string;
  readonly #sockets = new Set<Socket>();
  #server: Server | null = null;

  constructor(path: string, target: string) {
    this.path = path;
    this.#target = target;
  }

  /** Starts accepting connections (each is piped to the target). */
  async open(): Promise<void> {
    if (this.#server !== null) return;
    await unlink(this.path).catch(() => {});
    const server = createServer((client) => {
      const upstream = connect(this.#target);
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        this.#sockets.add(from);
        from.pipe(to);
        from.on('error', () => to.destroy());
        from.on('close', () => {
          this.#sockets.delete(from);
          to.destroy();
        });
      }
    });
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.path, resolve);
    });
  }

  /** Stops accepting: new connections fail (the socket file is gone); open ones go on. */
  async hold(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    // close() stops listening at once; its callback would wait for the open connections to end.
    server?.close();
    await new Promise((resolve) => setImmediate(resolve));
  }

  /** Breaks every open connection, as a network failure would. */
  cut(): void {
    for (const socket of this.#sockets) socket.destroy();
  }

  /** Connections currently piped (both directions count once each). */
  get connections(): number {
    return this.#sockets.size / 2;
  }

  async close(): Promise<void> {
    this.cut();
    await this.hold();
  }
}
