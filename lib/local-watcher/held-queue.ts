import type { FileOp } from './rename-pairer.ts';

/** An add or unlink held back while it waits for its other half. */
export interface Held {
  readonly op: typeof FileOp.Add | typeof FileOp.Unlink;
  readonly path: string;
  readonly dir: boolean;
  readonly identity: string;
  readonly time: number;
  readonly deadline: number;
  /** Paired, released or dropped: no longer held. */
  settled: boolean;
}

/** Held entries in deadline order; removal marks them settled and `peek` skips them: O(1) each. */
export class HeldQueue {
  #items: Held[] = [];
  #head = 0;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(held: Held): void {
    this.#items.push(held);
    this.#size++;
  }

  remove(held: Held): void {
    held.settled = true;
    this.#size--;
  }

  peek(): Held | undefined {
    const items = this.#items;
    while (this.#head < items.length && (items[this.#head] as Held).settled) this.#head++;
    if (this.#head >= 1024 && this.#head * 2 >= items.length) {
      this.#items = items.slice(this.#head);
      this.#head = 0;
    }
    return this.#items[this.#head];
  }

  clear(): void {
    for (let i = this.#head; i < this.#items.length; i++) (this.#items[i] as Held).settled = true;
    this.#items = [];
    this.#head = 0;
    this.#size = 0;
  }
}
