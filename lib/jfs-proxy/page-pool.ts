/** Bytes in one page: also the most a {@link SendQueue} hands to its socket in one write. */
export const PAGE_BYTES = 64 * 1024;

/**
 * Free pages a {@link PagePool} keeps for reuse (4 MB): enough for the
 * queues that fill and drain at once in a burst; past it, a page given back
 * is left to the garbage collector.
 */
export const MAX_FREE_PAGES = 64;

/**
 * Fixed-size byte pages that the proxy's send queues fill and reuse, instead
 * of a new Buffer per EVENT frame. A frame's Buffer lives outside the JS heap
 * and is freed only when the garbage collector finds its small JS object
 * dead, which a busy young generation may take long to do: a 100,000-event
 * burst passes about 50 MB of frames (100 MB with the copies that merged
 * them into socket writes), which stayed in the process's RSS (issue 26's
 * burst peak, issue 20's soak growth). A page goes back to the pool once its
 * socket write completed, so at rest one page serves every frame.
 */
export class PagePool {
  readonly #free: Buffer[] = [];
  readonly #maxFree: number;
  #created = 0;

  constructor(maxFree = MAX_FREE_PAGES) {
    this.#maxFree = maxFree;
  }

  /** Pages allocated so far (taken from the pool or not). */
  get created(): number {
    return this.#created;
  }

  /** Pages waiting in the pool. */
  get free(): number {
    return this.#free.length;
  }

  /** A page of PAGE_BYTES, its content undefined. */
  take(): Buffer {
    const page = this.#free.pop();
    if (page !== undefined) return page;
    this.#created++;
    // Not from Node's shared 8 KB pool: a page is its own allocation, freed as one.
    return Buffer.allocUnsafeSlow(PAGE_BYTES);
  }

  /** Gives back a page no socket write uses any more. */
  give(page: Buffer): void {
    if (this.#free.length < this.#maxFree) this.#free.push(page);
  }
}

/** The pool every send queue of the process shares. */
export const sharedPagePool = new PagePool();
