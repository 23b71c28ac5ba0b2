import type { JfsEvent } from '../jfs-protocol/jfs-message.ts';

/**
 * The events a proxy received in the last `windowMs` (at most `maxEvents`),
 * so that a client whose WATCH arrives after an event it should get (the
 * WATCH came the long way, through a load balancer, while the change came
 * through Redis) still gets it: "ready means watching" for paths the daemon
 * already watched. A client may so also get a few changes from just before
 * its WATCH.
 */
export class RecentEvents {
  readonly #windowMs: number;
  readonly #maxEvents: number;
  #times: number[] = [];
  #events: JfsEvent[] = [];
  #head = 0;

  constructor(windowMs: number, maxEvents: number) {
    this.#windowMs = windowMs;
    this.#maxEvents = maxEvents;
  }

  push(events: readonly JfsEvent[], now: number): void {
    if (this.#windowMs <= 0) return;
    for (const event of events) {
      this.#times.push(now);
      this.#events.push(event);
    }
    this.#prune(now);
  }

  /** The events of `key` received in the window, oldest first. */
  of(key: string, now: number): JfsEvent[] {
    this.#prune(now);
    const found: JfsEvent[] = [];
    for (let i = this.#head; i < this.#events.length; i++) {
      const event = this.#events[i] as JfsEvent;
      if (event.key === key) found.push(event);
    }
    return found;
  }

  #prune(now: number): void {
    const from = now - this.#windowMs;
    const size = (): number => this.#events.length - this.#head;
    while (size() > 0 && (size() > this.#maxEvents || (this.#times[this.#head] as number) < from))
      this.#head++;
    // Compact once the dropped part dominates, so that pushing stays O(1) amortised.
    if (this.#head > 1024 && this.#head * 2 > this.#events.length) {
      this.#events = this.#events.slice(this.#head);
      this.#times = this.#times.slice(this.#head);
      this.#head = 0;
    }
  }
}
