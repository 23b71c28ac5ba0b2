import { connect, type Socket } from 'node:net';
import { socketPath } from '../../jfs-protocol/abstract-socket.ts';
import type { JfsAddress } from './address.ts';
import type { JfsConnection, JfsConnectionEvents, JfsTransport } from './jfs-transport.ts';

/** How {@link socketTransport} dials. */
export interface TransportOptions {
  /** Destroy the socket if it is not connected after this many ms (0: never). */
  readonly connectTimeout: number;
  /** TCP keep-alive initial delay in ms once connected (0: off). */
  readonly keepAlive: number;
}

/** A server address the transport can dial: TCP or a unix socket. */
export type DialAddress = Exclude<JfsAddress, { readonly network: 'ipc' }>;

/**
 * The default {@link JfsTransport}: a TCP or unix-socket connection to
 * `address` per dial. The only module of the client that touches `node:net`.
 */
export function socketTransport(address: DialAddress, options: TransportOptions): JfsTransport {
  return { dial: (events) => socketConnection(openSocket(address, options), events) };
}

function socketConnection(socket: Socket, events: JfsConnectionEvents): JfsConnection {
  let failure: unknown;
  socket.on('connect', () => events.connected());
  socket.on('data', (chunk: Buffer) => events.data(chunk));
  socket.on('error', (error) => {
    failure ??= error;
  });
  socket.on('close', () => events.closed(failure));
  return {
    send(frames, written) {
      if (socket.destroyed || frames.length === 0) return;
      socket.cork();
      const last = frames.length - 1;
      for (const [i, frame] of frames.entries()) {
        const done =
          i === last && written !== undefined
            ? (error?: Error | null) => {
                if (!error) written();
              }
            : undefined;
        socket.write(frame, done);
      }
      socket.uncork();
    },
    destroy(error) {
      socket.destroy(error);
    },
  };
}

/**
 * Starts dialling `address` and returns the socket at once; it emits
 * `connect`, then `data`, and always `close` last (after `error` on failure).
 * The connect timeout is lifted once connected: a server may stay silent for
 * hours between events, and keep-alive is what notices a dead peer then.
 */
export function openSocket(address: DialAddress, options: TransportOptions): Socket {
  const socket =
    address.network === 'tcp'
      ? connect({ host: address.host === '' ? 'localhost' : address.host, port: address.port })
      : connect({
          path: socketPath(address.path),
        });
  const onTimeout = (): void => {
    socket.destroy(new Error(`no connection after ${options.connectTimeout} ms`));
  };
  if (options.connectTimeout > 0) {
    socket.setTimeout(options.connectTimeout);
    socket.once('timeout', onTimeout);
  }
  socket.once('connect', () => {
    socket.setTimeout(0);
    socket.off('timeout', onTimeout);
    if (address.network === 'tcp') {
      socket.setNoDelay(true);
      if (options.keepAlive > 0) socket.setKeepAlive(true, options.keepAlive);
    }
  });
  return socket;
}
