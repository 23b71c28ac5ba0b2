import { QueueClosedError } from './queue-errors.ts';

interface Barrier {
  readonly seq: number;
  readonly resolve: () => void;
  readonly reject: (error: QueueClosedError) => void;
}

/**
 * The promises `queue.sync()` handed out, in order of their sequence numbers:
 * each resolves once every event numbered up to its own is settled (flushed,
 * dropped, coalesced away or dead-lettered).
 */
export class SyncBarriers {
  #waiting: Barrier[] = [];

  /** A promise that resolves when {@link release} finds `seq` settled. */
  wait(seq: number): Promise<void> {
    return new Promise((resolve, reject) => this.#waiting.push({ seq, resolve, reject }));
  }

  /** Resolves, oldest first, every barrier whose sequence number `settledThrough` accepts. */
  release(settledThrough: (seq: number) => boolean): void {
    const waiting = this.#waiting;
    let done = 0;
    while (done < waiting.length && settledThrough((waiting[done] as Barrier).seq)) done++;
    if (done === 0) return;
    for (const barrier of waiting.splice(0, done)) barrier.resolve();
  }

  /** Rejects every waiting barrier: the events they wait for were discarded. */
  rejectAll(what: string): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const barrier of waiting) barrier.reject(new QueueClosedError(what));
  }
}
