/**
 * How many stream entries keep at least `maxLen` changes, from the sizes of
 * the entries this feed wrote last: the bound given to `XADD ... MAXLEN ~`.
 * A moving average of the entry size cannot do it: a few large entries (a
 * burst) raise it so much that the bound falls below the small entries that
 * came before them, and the stream is trimmed to far fewer than `maxLen`
 * changes, making slow readers resync. Here the newest entries are summed
 * until they hold `maxLen` changes (each entry holds at least one, so
 * `maxLen` entries always do): the stream keeps at least `maxLen` changes
 * and at most `maxLen` entries. Memory: one number per entry of the window.
 */
export class TrimWindow {
  readonly #maxLen: number;
  /** The sizes of the newest entries, oldest first, from `#head`. */
  #sizes: number[] = [];
  #head = 0;
  /** Changes in the window. */
  #sum = 0;

  constructor(maxLen: number) {
    this.#maxLen = maxLen;
  }

  /** Counts one appended entry of `changes` changes; returns the entry bound to trim to. */
  append(changes: number): number {
    const size = Math.max(1, changes);
    this.#sizes.push(size);
    this.#sum += size;
    // The oldest entries are left out while the newer ones still hold `maxLen` changes.
    while (this.#sum - (this.#sizes[this.#head] as number) >= this.#maxLen) {
      this.#sum -= this.#sizes[this.#head] as number;
      this.#head++;
    }
    if (this.#head >= 1024 && this.#head * 2 >= this.#sizes.length) {
      this.#sizes = this.#sizes.slice(this.#head);
      this.#head = 0;
    }
    // Until the window holds `maxLen` changes, nothing of this feed's may go.
    return this.#sum < this.#maxLen ? this.#maxLen : this.#sizes.length - this.#head;
  }
}
