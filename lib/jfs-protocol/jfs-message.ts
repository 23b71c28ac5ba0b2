import type { MessageType } from './message-type.ts';

/** One event record: a change of `name` inside the watched directory `key`. */
export interface JfsEvent {
  /** The changed path, as the client sees it (the pod path). */
  readonly name: string;
  /** The fsnotify op bits (see `Op`). */
  readonly op: number;
  /** The watched directory the event belongs to (the parent of `name`); empty for local watchers. */
  readonly key: string;
}

/** WATCH or UNWATCH: a channel id and the paths to add or drop. */
export interface JfsPathsMessage {
  readonly type: typeof MessageType.Watch | typeof MessageType.Unwatch;
  readonly channelId: string;
  readonly paths: readonly string[];
}

/** CLEAR, SUSPEND, RESUME or WANT_ERRORS: a channel id alone. */
export interface JfsChannelMessage {
  readonly type:
    | typeof MessageType.Clear
    | typeof MessageType.Suspend
    | typeof MessageType.Resume
    | typeof MessageType.WantErrors;
  readonly channelId: string;
}

/** ERROR: a server refused a WATCH of `path` (`''`: the whole channel) for `reason`. */
export interface JfsErrorMessage {
  readonly type: typeof MessageType.Error;
  readonly channelId: string;
  readonly path: string;
  readonly reason: string;
}

/** EVENT: one or more event records. */
export interface JfsEventMessage {
  readonly type: typeof MessageType.Event;
  readonly events: readonly JfsEvent[];
}

/** A decoded or to-be-encoded JFS message: a discriminated union on `type`. */
export type JfsMessage = JfsPathsMessage | JfsChannelMessage | JfsEventMessage | JfsErrorMessage;
