/**
 * What a {@link JfsConnection} tells the watcher that dialled it. Never
 * called during `dial()`; `closed` comes once, last, after a failed dial as
 * after a lost connection.
 */
export interface JfsConnectionEvents {
  /** The connection is up: frames can be sent. */
  connected(): void;
  /** Bytes from the server, split anywhere. */
  data(chunk: Uint8Array): void;
  /** The connection is gone; `failure` is why (`undefined` for a clean end). */
  closed(failure: unknown): void;
}

/** One connection to a notify server, as the watcher uses it. */
export interface JfsConnection {
  /**
   * Sends `frames` in order, in one go; `written` is called once all of them
   * are handed over (not when the connection fails first). Ignored once closed.
   */
  send(frames: readonly Uint8Array[], written?: () => void): void;
  /** Ends the connection, with `error` as its failure when given; `closed` follows. */
  destroy(error?: Error): void;
}

/**
 * How a `JfsWatcher` reaches its notify server: a TCP or unix socket by
 * default (`socketTransport`), anything with this shape otherwise (an
 * in-memory one in unit specs). The watcher depends on nothing else.
 */
export interface JfsTransport {
  /** Starts dialling; what happens next arrives through `events`. Never throws. */
  dial(events: JfsConnectionEvents): JfsConnection;
}
