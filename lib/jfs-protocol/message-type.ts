/** The JFS message types: the u32 at the start of every frame's payload. */
export const MessageType = {
  /**
   * Server to client, and only to a client that sent {@link MessageType.WantErrors}: why a WATCH
   * was refused (a channel id, the pod path or `''` for the whole channel, the reason). Go's
   * parts never send it and never ask for it.
   */
  Error: 0,
  /** Client to server: a channel id, then the paths to watch. */
  Watch: 1,
  /** Client to server: a channel id, then the paths to stop watching. */
  Unwatch: 2,
  /** Client to server: forget every watch of the channel id. */
  Clear: 3,
  /** Reserved, never sent; servers log it as unknown. */
  Suspend: 4,
  /** Reserved, never sent. */
  Resume: 5,
  /** Server to client: event records. */
  Event: 6,
  /**
   * Client to server (this project's clients, when asked to): send ERROR frames to this
   * connection. A Go server logs it as unknown and goes on.
   */
  WantErrors: 7,
} as const;

/** One of the {@link MessageType} values. */
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

const names: readonly string[] = [
  'ERROR',
  'WATCH',
  'UNWATCH',
  'CLEAR',
  'SUSPEND',
  'RESUME',
  'EVENT',
  'WANT_ERRORS',
];

/** The protocol name of a message type (`WATCH`), or `unknown(<n>)`. */
export function messageTypeName(type: number): string {
  return names[type] ?? `unknown(${type})`;
}
