import { EVENT_RECORD_SIZE, FIELD_SIZE, writeField } from './field.ts';
import type { JfsEvent, JfsMessage } from './jfs-message.ts';
import { MessageType } from './message-type.ts';

/** Bytes before a payload's data: the u32 length prefix and the u32 type. */
const HEADER_SIZE = 8;

/**
 * One frame with raw data: `u32be L || u32be type || data`, L = 4 + data
 * length. For tests and for peers that need a frame the message types cannot
 * express.
 */
export function encodeFrame(type: number, data: Uint8Array = new Uint8Array(0)): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_SIZE + data.length);
  frame.writeUInt32BE(4 + data.length, 0);
  frame.writeUInt32BE(type, 4);
  frame.set(data, HEADER_SIZE);
  return frame;
}

/**
 * Encodes one message as one frame, ready for a single socket write.
 *
 * @throws FieldTooLongError when a channel id, path, name or key is over 255 UTF-8 bytes.
 * @example encodeMessage({ type: MessageType.Clear, channelId: 'ns/pod/ctr/watcher' })
 */
export function encodeMessage(message: JfsMessage): Buffer {
  switch (message.type) {
    case MessageType.Watch:
    case MessageType.Unwatch:
      return encodeFields(message.type, message.channelId, message.paths);
    case MessageType.Clear:
    case MessageType.Suspend:
    case MessageType.Resume:
    case MessageType.WantErrors:
      return encodeFields(message.type, message.channelId, []);
    case MessageType.Error:
      return encodeFields(message.type, message.channelId, [message.path, message.reason]);
    case MessageType.Event:
      return encodeEvents(message.events);
  }
}

/** A channel id field, then one field per path. */
function encodeFields(type: number, channelId: string, paths: readonly string[]): Buffer {
  const frame = header(type, FIELD_SIZE * (1 + paths.length));
  writeField(frame, HEADER_SIZE, 'channelId', channelId);
  let offset = HEADER_SIZE + FIELD_SIZE;
  for (const path of paths) {
    writeField(frame, offset, 'path', path);
    offset += FIELD_SIZE;
  }
  return frame;
}

/**
 * One EVENT frame holding every record of `events` (the proxy sends one event
 * per frame: pass a one-element array).
 */
export function encodeEvents(events: readonly JfsEvent[]): Buffer {
  return encodeEventsInto(Buffer.alloc(eventsFrameLength(events.length)), events);
}

/** Bytes of an EVENT frame of `records` records. */
export function eventsFrameLength(records: number): number {
  return HEADER_SIZE + EVENT_RECORD_SIZE * records;
}

/**
 * {@link encodeEvents} into the start of `target` (at least
 * `eventsFrameLength(events.length)` bytes, zero-filled there: the field
 * padding); returns that frame, a view of `target`.
 */
export function encodeEventsInto(target: Buffer, events: readonly JfsEvent[]): Buffer {
  const dataLength = EVENT_RECORD_SIZE * events.length;
  const frame = target.subarray(0, HEADER_SIZE + dataLength);
  frame.writeUInt32BE(4 + dataLength, 0);
  frame.writeUInt32BE(MessageType.Event, 4);
  let offset = HEADER_SIZE;
  for (const event of events) {
    writeField(frame, offset, 'name', event.name);
    frame.writeUInt32BE(event.op >>> 0, offset + FIELD_SIZE);
    writeField(frame, offset + FIELD_SIZE + 4, 'key', event.key);
    offset += EVENT_RECORD_SIZE;
  }
  return frame;
}

/** A zero-filled frame (the field padding) with its length prefix and type written. */
function header(type: number, dataLength: number): Buffer {
  const frame = Buffer.alloc(HEADER_SIZE + dataLength);
  frame.writeUInt32BE(4 + dataLength, 0);
  frame.writeUInt32BE(type, 4);
  return frame;
}
