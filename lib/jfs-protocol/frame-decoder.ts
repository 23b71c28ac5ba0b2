import { OptionsError } from '../errors.ts';
import { decodePayload } from './decode-payload.ts';
import type { JfsMessage } from './jfs-message.ts';
import { FrameTooLargeError, type MalformedFrameError } from './protocol-errors.ts';

/** The default cap on a frame's payload length: 1 MiB (real frames are under 64 KiB). */
export const DEFAULT_MAX_FRAME_LENGTH = 1024 * 1024;

/** What one {@link FrameDecoder.push} produced, in stream order. */
export type DecodedItem = JfsMessage | MalformedFrameError | FrameTooLargeError;

/**
 * Incremental JFS frame decoder: feed it socket chunks split anywhere
 * (including inside a length prefix) and it returns the complete frames.
 *
 * `push()` never throws on bytes (only an `OptionsError` for a non-bytes chunk). A malformed payload comes back as a
 * `MalformedFrameError` and decoding goes on with the next frame; a length
 * prefix above `maxFrameLength` comes back as a `FrameTooLargeError` and the
 * decoder stops for good (`failed`), since the stream cannot be
 * resynchronized: close that connection. Bytes are buffered only as they
 * arrive, never `L` at once, so a huge prefix costs nothing.
 *
 * @example
 * const decoder = new FrameDecoder();
 * socket.on('data', (chunk) => { for (const item of decoder.push(chunk)) handle(item); });
 */
export class FrameDecoder {
  /** The cap on a payload length, in bytes. */
  readonly maxFrameLength: number;

  /** A length prefix split across chunks (made the first time one is: most connections never). */
  #prefix: Buffer | null = null;
  #prefixFill = 0;
  /** Payload length of the frame being assembled; -1 while reading a prefix. */
  #frameLength = -1;
  #parts: Buffer[] = [];
  #partsBytes = 0;
  #failed = false;

  /**
   * @param maxFrameLength the cap on a payload length, default {@link DEFAULT_MAX_FRAME_LENGTH}.
   * @throws OptionsError unless it is a whole number from 4 to 2^32-1 (NaN would remove the cap).
   */
  constructor(maxFrameLength: number = DEFAULT_MAX_FRAME_LENGTH) {
    if (
      typeof maxFrameLength !== 'number' ||
      !Number.isInteger(maxFrameLength) ||
      maxFrameLength < 4 ||
      maxFrameLength > 0xffff_ffff
    ) {
      throw new OptionsError(
        'maxFrameLength',
        maxFrameLength,
        'a whole number of bytes from 4 to 4294967295',
      );
    }
    this.maxFrameLength = maxFrameLength;
  }

  /** True once a frame over the cap was seen; every later `push()` returns nothing. */
  get failed(): boolean {
    return this.#failed;
  }

  /** Bytes held for an incomplete frame (at most 4 + `maxFrameLength`). */
  get buffered(): number {
    return this.#prefixFill + this.#partsBytes;
  }

  /** Decodes what `chunk` completes. The chunk may be reused by the caller afterwards. */
  push(chunk: Uint8Array): DecodedItem[] {
    const out: DecodedItem[] = [];
    if (this.#failed) return out;
    if (!(chunk instanceof Uint8Array)) {
      throw new OptionsError('chunk', chunk, 'a Buffer or Uint8Array of received bytes');
    }
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const end = buf.length;
    let pos = 0;
    while (pos < end) {
      if (this.#frameLength < 0) {
        let length: number;
        if (this.#prefixFill === 0 && end - pos >= 4) {
          length = buf.readUInt32BE(pos);
          pos += 4;
        } else {
          const take = Math.min(4 - this.#prefixFill, end - pos);
          this.#prefix ??= Buffer.alloc(4);
          buf.copy(this.#prefix, this.#prefixFill, pos, pos + take);
          this.#prefixFill += take;
          pos += take;
          if (this.#prefixFill < 4) break;
          this.#prefixFill = 0;
          length = (this.#prefix as Buffer).readUInt32BE(0);
        }
        if (length > this.maxFrameLength) {
          this.#failed = true;
          out.push(new FrameTooLargeError(length, this.maxFrameLength));
          return out;
        }
        if (end - pos >= length) {
          // The whole payload is in this chunk: decode it in place, no copy.
          out.push(decodePayload(buf.subarray(pos, pos + length)));
          pos += length;
          continue;
        }
        this.#frameLength = length;
        continue;
      }
      const take = Math.min(this.#frameLength - this.#partsBytes, end - pos);
      // Copied: the caller may reuse its chunk, and a partial frame is rare.
      this.#parts.push(Buffer.from(buf.subarray(pos, pos + take)));
      this.#partsBytes += take;
      pos += take;
      if (this.#partsBytes === this.#frameLength) {
        const payload =
          this.#parts.length === 1
            ? (this.#parts[0] as Buffer)
            : Buffer.concat(this.#parts, this.#partsBytes);
        this.#parts = [];
        this.#partsBytes = 0;
        this.#frameLength = -1;
        out.push(decodePayload(payload));
      }
    }
    return out;
  }
}
