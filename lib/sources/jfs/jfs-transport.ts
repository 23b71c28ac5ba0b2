import { connect, type Socket } from 'node:net';
import type { JfsAddress } from './address.ts';

/** How {@link openSocket} dials. */
export interface TransportOptions {
  /** Destroy the socket if it is not connected after this many ms (0: never). */
  readonly connectTimeout: number;
  /** TCP keep-alive initial delay in ms once connected (0: off). */
  readonly keepAlive: number;
}

/** A server address the transport can dial: TCP or a unix socket. */
export type DialAddress = Exclude<JfsAddress, { readonly network: 'ipc' }>;

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
          path: address.path.startsWith('@') ? `\0${address.path.slice(1)}` : address.path,
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
