import { JfsError } from '../errors.ts';

/**
 * A frame's length prefix is above the cap. Fatal for that connection (it is
 * closed and re-dialled): the stream cannot be resynchronized, and L bytes are
 * never allocated.
 */
export class FrameTooLargeError extends JfsError {
  override readonly name = 'FrameTooLargeError';
  override readonly code = 'BATCHWATCH_JFS_FRAME_TOO_LARGE';
  /** The announced payload length, in bytes. */
  readonly length: number;
  /** The cap it exceeded (`maxFrameLength`). */
  readonly max: number;

  constructor(length: number, max: number) {
    super(
      `A JFS frame announced ${length} bytes, over the ${max}-byte cap: the peer does not speak ` +
        'the JFS protocol, or raise maxFrameLength if its frames are really that large.',
    );
    this.length = length;
    this.max = max;
  }
}

/** A JFS frame that cannot be decoded; it was dropped and the connection goes on. */
export class MalformedFrameError extends JfsError {
  override readonly name = 'MalformedFrameError';
  override readonly code = 'BATCHWATCH_JFS_MALFORMED_FRAME';
  /** The message type from the payload, or `null` when the payload is too short to hold one. */
  readonly frameType: number | null;
  /** The payload length, in bytes. */
  readonly length: number;

  constructor(frameType: number | null, length: number, reason: string) {
    super(
      `Dropped a malformed JFS frame (${frameType === null ? 'no type' : `type ${frameType}`}, ` +
        `${length}-byte payload): ${reason}. Check that the peer speaks the same JFS protocol version.`,
    );
    this.frameType = frameType;
    this.length = length;
  }
}

/** A path, channel id, name or key is longer than the 255 UTF-8 bytes of a JFS field. */
export class FieldTooLongError extends JfsError {
  override readonly name = 'FieldTooLongError';
  override readonly code = 'BATCHWATCH_JFS_FIELD_TOO_LONG';
  /** Which field: `path`, `channelId`, `name` or `key`. */
  readonly field: string;
  /** Its length in UTF-8 bytes. */
  readonly bytes: number;
  /** The value that did not fit. */
  readonly value: string;

  constructor(field: string, value: string, bytes: number) {
    super(
      `The JFS ${field} ${JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}...` : value)} ` +
        `is ${bytes} UTF-8 bytes; a field holds at most 255: use a shorter ${field}.`,
    );
    this.field = field;
    this.bytes = bytes;
    this.value = value;
  }
}
