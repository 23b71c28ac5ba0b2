import type { JfsError } from '../errors.ts';
import { encodeEvents } from '../jfs-protocol/encode-message.ts';
import type { JfsEvent } from '../jfs-protocol/jfs-message.ts';

/**
 * Collects the events sent to one connection within a turn of the event
 * loop and hands them on as ONE EVENT frame of many records (at most
 * `maxRecords`; a full frame goes at once): far fewer length prefixes for a
 * lagging Go client to split (JFS-PROTOCOL.md 9.1), and one socket write
 * instead of many. An event whose translated pod path is over 255 bytes
 * cannot be encoded: it is dropped with a warning, the others go.
 */
export class FrameBatcher {
  readonly #maxRecords: number;
  readonly #write: (frame: Buffer, records: number) => void;
  readonly #warn: (warning: JfsError) => void;
  #pending: JfsEvent[] = [];
  #queued = false;
  #closed = false;

  constructor(
    maxRecords: number,
    write: (frame: Buffer, records: number) => void,
    warn: (warning: JfsError) => void,
  ) {
    this.#maxRecords = maxRecords;
    this.#write = write;
    this.#warn = warn;
  }

  push(event: JfsEvent): void {
    if (this.#closed) return;
    this.#pending.push(event);
    if (this.#pending.length >= this.#maxRecords) this.flush();
    else if (!this.#queued) {
      this.#queued = true;
      queueMicrotask(() => {
        this.#queued = false;
        this.flush();
      });
    }
  }

  /** Writes what is pending now. */
  flush(): void {
    const events = this.#pending;
    if (events.length === 0 || this.#closed) return;
    this.#pending = [];
    try {
      this.#write(encodeEvents(events), events.length);
    } catch {
      const valid = events.filter((event) => {
        try {
          encodeEvents([event]);
          return true;
        } catch (err) {
          this.#warn(err as JfsError);
          return false;
        }
      });
      if (valid.length > 0) this.#write(encodeEvents(valid), valid.length);
    }
  }

  /** Drops what is pending; nothing more is written. */
  close(): void {
    this.#closed = true;
    this.#pending = [];
  }
}
