import { OptionsError } from '../errors.ts';
import { EVENT_RECORD_SIZE, FIELD_SIZE, readField } from './field.ts';
import type { JfsEvent, JfsMessage } from './jfs-message.ts';
import { MessageType, messageTypeName } from './message-type.ts';
import { MalformedFrameError } from './protocol-errors.ts';

/**
 * Decodes one frame's payload (`u32be type || data`, without the length
 * prefix), from a Buffer or any Uint8Array. Throws only an `OptionsError`
 * for something that is not bytes at all: a payload that cannot be decoded comes back as a
 * {@link MalformedFrameError} for the caller to count and skip. As in Go,
 * trailing bytes after the last whole field or record are ignored.
 */
export function decodePayload(bytes: Uint8Array): JfsMessage | MalformedFrameError {
  if (!(bytes instanceof Uint8Array)) {
    throw new OptionsError('payload', bytes, 'a Buffer or Uint8Array holding one frame payload');
  }
  // A Buffer view over the same memory: no copy, and Buffer's readers work on a plain Uint8Array too.
  const payload = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (payload.length < 4) {
    return new MalformedFrameError(
      null,
      payload.length,
      'invalid message: the payload is shorter than its 4-byte type',
    );
  }
  const type = payload.readUInt32BE(0);
  const dataLength = payload.length - 4;
  switch (type) {
    case MessageType.Event:
      return decodeEvents(payload, dataLength);
    case MessageType.Error: {
      if (Math.floor(dataLength / FIELD_SIZE) < 3) {
        return new MalformedFrameError(
          type,
          payload.length,
          `invalid ERROR: ${dataLength} bytes of data hold less than three ${FIELD_SIZE}-byte fields (channel id, path, reason)`,
        );
      }
      return {
        type,
        channelId: readField(payload, 4),
        path: readField(payload, 4 + FIELD_SIZE),
        reason: readField(payload, 4 + 2 * FIELD_SIZE),
      };
    }
    case MessageType.Watch:
    case MessageType.Unwatch:
    case MessageType.Clear:
    case MessageType.Suspend:
    case MessageType.Resume:
    case MessageType.WantErrors: {
      const fields = Math.floor(dataLength / FIELD_SIZE);
      if (fields === 0) {
        return new MalformedFrameError(
          type,
          payload.length,
          `invalid ${messageTypeName(type)}: ${dataLength} bytes of data hold no ${FIELD_SIZE}-byte channel id`,
        );
      }
      const channelId = readField(payload, 4);
      if (type !== MessageType.Watch && type !== MessageType.Unwatch) return { type, channelId };
      const paths: string[] = [];
      for (let i = 1; i < fields; i++) paths.push(readField(payload, 4 + i * FIELD_SIZE));
      return { type, channelId, paths };
    }
    default:
      return new MalformedFrameError(type, payload.length, `unknown message type ${type}`);
  }
}

function decodeEvents(payload: Buffer, dataLength: number): JfsMessage | MalformedFrameError {
  const count = Math.floor(dataLength / EVENT_RECORD_SIZE);
  if (count === 0) {
    return new MalformedFrameError(
      MessageType.Event,
      payload.length,
      `invalid event: ${dataLength} bytes of data, less than one ${EVENT_RECORD_SIZE}-byte record`,
    );
  }
  const events: JfsEvent[] = new Array(count);
  let offset = 4;
  for (let i = 0; i < count; i++) {
    events[i] = {
      name: readField(payload, offset),
      op: payload.readUInt32BE(offset + FIELD_SIZE),
      key: readField(payload, offset + FIELD_SIZE + 4),
    };
    offset += EVENT_RECORD_SIZE;
  }
  return { type: MessageType.Event, events };
}
