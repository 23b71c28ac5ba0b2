import type { SchedulerLike, Subscription } from 'rxjs';
import type { JfsEvent } from '../jfs-protocol/jfs-message.ts';
import { Op } from '../jfs-protocol/op.ts';

/**
 * The proxy's write debounce for one connection: an event whose op is
 * exactly Write is held per name, each further Write replaces it and re-arms
 * the timer, and the latest goes out once no Write came for `delayMs`. Any
 * other op goes out at once; a Write still held for the same name goes out
 * just before it, so the client never sees a write after the removal that
 * followed it (the Go proxy sends the removal first). With `delayMs` 0
 * every event goes out at once.
 */
export class WriteDebouncer {
  /** Writes replaced by a later write to the same name. */
  superseded = 0;

  readonly #delayMs: number;
  readonly #scheduler: SchedulerLike;
  readonly #send: (event: JfsEvent) => void;
  readonly #held = new Map<string, { event: JfsEvent; timer: Subscription }>();

  constructor(delayMs: number, scheduler: SchedulerLike, send: (event: JfsEvent) => void) {
    this.#delayMs = delayMs;
    this.#scheduler = scheduler;
    this.#send = send;
  }

  /** Writes being held. */
  get pending(): number {
    return this.#held.size;
  }

  push(event: JfsEvent): void {
    // No debounce: nothing to merge, and no timer per write (a burst of writes would make one each).
    if (this.#delayMs === 0) {
      this.#send(event);
      return;
    }
    const held = this.#held.get(event.name);
    if (event.op === Op.Write) {
      if (held !== undefined) {
        held.timer.unsubscribe();
        this.superseded++;
      }
      const timer = this.#scheduler.schedule(() => this.#release(event.name), this.#delayMs);
      this.#held.set(event.name, { event, timer });
      return;
    }
    if (held !== undefined) this.#release(event.name);
    this.#send(event);
  }

  /** Drops every held write and its timer (the connection closed). */
  close(): void {
    for (const { timer } of this.#held.values()) timer.unsubscribe();
    this.#held.clear();
  }

  #release(name: string): void {
    const held = this.#held.get(name);
    if (held === undefined) return;
    held.timer.unsubscribe();
    this.#held.delete(name);
    this.#send(held.event);
  }
}
