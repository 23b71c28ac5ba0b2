import type { JfsError } from '../errors.ts';
import {
  encodeEvents,
  encodeEventsInto,
  eventsFrameLength,
} from '../jfs-protocol/encode-message.ts';
import type { JfsEvent } from '../jfs-protocol/jfs-message.ts';

/**
 * Where every batcher of the process encodes its frames, one at a time: the
 * frame handed to `write` is a view of it, valid during that call only (the
 * send queue copies it into its pages), so a burst allocates no Buffer per
 * frame (see page-pool.ts).
 */
let scratch = Buffer.alloc(0);

/** `events` as one EVENT frame in the shared scratch buffer. */
function encodeInScratch(events: readonly JfsEvent[]): Buffer {
  const length = eventsFrameLength(events.length);
  if (scratch.length < length) scratch = Buffer.alloc(length);
  else scratch.fill(0, 0, length);
  return encodeEventsInto(scratch, events);
}

/**
 * Collects the events sent to one connection within a turn of the event
 * loop and hands them on as ONE EVENT frame of many records (at most
 * `maxRecords`; a full frame goes at once): far fewer length prefixes for a
 * lagging Go client to split (JFS-PROTOCOL.md 9.1), and one socket write
 * instead of many. An event whose translated pod path is over 255 bytes
 * cannot be encoded: it is dropped with a warning, the others go. The frame
 * given to `write` is valid during that call only: copy it to keep it.
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
      this.#write(encodeInScratch(events), events.length);
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
      if (valid.length > 0) this.#write(encodeInScratch(valid), valid.length);
    }
  }

  /** Drops what is pending; nothing more is written. */
  close(): void {
    this.#closed = true;
    this.#pending = [];
  }
}
