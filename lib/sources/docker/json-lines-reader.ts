import { StringDecoder } from 'node:string_decoder';

/** What a {@link JsonLinesReader} hands over: each value with its exact text, or each bad line. */
export interface JsonLinesHandler {
  /** One complete line that parsed: the value, and the line's text (for fields JSON.parse rounds). */
  value(value: unknown, text: string): void;
  /** One complete line that did not parse, or a line longer than the limit (then truncated). */
  malformed(text: string, error: Error): void;
}

/** Default longest line, in UTF-16 code units: a Docker event is a few hundred. */
export const defaultMaxLineLength = 1 << 20;

/**
 * Splits a byte stream of newline-terminated JSON values (what dockerd's `/events` sends) into
 * values, whatever the chunking: several values in one chunk, one value across many chunks, a
 * UTF-8 character cut in two. Synchronous and allocation-light, so that the socket is read as fast
 * as it delivers: the daemon skips a subscriber that does not read within 100 ms.
 *
 * @example
 * const reader = new JsonLinesReader({ value: (v) => use(v), malformed: (line, err) => warn(err) });
 * stream.on('data', (chunk) => reader.write(chunk));
 */
export class JsonLinesReader {
  readonly #handler: JsonLinesHandler;
  readonly #maxLineLength: number;
  #decoder = new StringDecoder('utf8');
  /** The start of a line whose end has not arrived yet. */
  #partial = '';
  /** The current line is over the limit: skip up to its end. */
  #skipping = false;

  constructor(handler: JsonLinesHandler, maxLineLength: number = defaultMaxLineLength) {
    this.#handler = handler;
    this.#maxLineLength = maxLineLength;
  }

  /** Code units held for a line whose end has not arrived. */
  get pending(): number {
    return this.#partial.length;
  }

  /** Feeds the next chunk; every line it completes is handed over before this returns. */
  write(chunk: Uint8Array | string): void {
    const decoded = typeof chunk === 'string' ? chunk : this.#decoder.write(chunk);
    let start: number;
    let end = decoded.indexOf('\n');
    if (end === -1) {
      this.#hold(decoded);
      return;
    }
    // The first line may have begun in an earlier chunk.
    this.#line(
      this.#partial === '' ? decoded.slice(0, end) : this.#partial + decoded.slice(0, end),
    );
    this.#partial = '';
    start = end + 1;
    end = decoded.indexOf('\n', start);
    while (end !== -1) {
      this.#line(decoded.slice(start, end));
      start = end + 1;
      end = decoded.indexOf('\n', start);
    }
    if (start < decoded.length) this.#hold(decoded.slice(start));
  }

  /** The stream ended: a last line without its newline still counts. */
  end(): void {
    const rest = this.#partial + this.#decoder.end();
    this.reset();
    if (rest !== '') this.#line(rest);
  }

  /**
   * Forgets a partial line (the stream broke mid-line: the event will be replayed on resume).
   * Returns how many code units were dropped.
   */
  reset(): number {
    const dropped = this.#partial.length;
    this.#partial = '';
    this.#skipping = false;
    this.#decoder = new StringDecoder('utf8');
    return dropped;
  }

  #hold(text: string): void {
    if (this.#skipping) return;
    const partial = this.#partial + text;
    if (partial.length > this.#maxLineLength) {
      this.#skipping = true;
      this.#partial = '';
      this.#handler.malformed(
        partial.slice(0, 200),
        new Error(`line longer than ${this.#maxLineLength} characters`),
      );
      return;
    }
    this.#partial = partial;
  }

  #line(text: string): void {
    if (this.#skipping) {
      // The end of an over-long line already reported.
      this.#skipping = false;
      return;
    }
    if (text.length > this.#maxLineLength) {
      this.#handler.malformed(
        text.slice(0, 200),
        new Error(`line longer than ${this.#maxLineLength} characters`),
      );
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      // Blank lines (and a CR of CRLF) are framing, not data.
      if (text.trim() === '') return;
      this.#handler.malformed(text, err as Error);
      return;
    }
    this.#handler.value(value, text);
  }
}
