/** Releases one hold taken with `hold(name)`. Calling it again does nothing. */
export type HoldRelease = () => void;

interface Hold {
  /** How many times it is taken: `hold()` calls not yet released; 1 for a present file. */
  count: number;
  /** When it was first taken (scheduler time): `maxHold` counts from here. */
  readonly since: number;
  /** Held past `maxHold`: it no longer keeps batches open, until it is released. */
  expired: boolean;
}

/**
 * The named states that keep a batch window open (watchman's state-enter /
 * state-leave): holds taken by code with {@link acquire} (re-entrant: each
 * take needs its release), and presence holds set and cleared by a probe
 * (a lock file exists, or not) with {@link set}. A hold held longer than
 * `maxHold` expires: it stops holding until it is released (so a stale lock
 * file delays one batch, not every batch). Keeps no timer: the engine asks
 * {@link nextExpiry} and calls {@link expire} from its own.
 */
export class HoldSet {
  readonly #maxHold: number;
  readonly #now: () => number;
  readonly #holds = new Map<string, Hold>();
  readonly #probes: (() => void)[] = [];
  /** Holds that are taken and not expired. */
  #active = 0;
  #closed = false;
  /** Told when the last active hold ends (released, cleared or expired). */
  onReleased: () => void = () => {};

  constructor(maxHold: number, now: () => number) {
    this.#maxHold = maxHold;
    this.#now = now;
  }

  /** Whether any hold keeps batches open. */
  get held(): boolean {
    return this.#active > 0;
  }

  /** Whether a probe must run before a held window is checked again (see {@link addProbe}). */
  get probing(): boolean {
    return this.#probes.length > 0;
  }

  /** Takes the hold `name` once more; the result releases this take. Does nothing once closed. */
  acquire(name: string): HoldRelease {
    if (this.#closed) return () => {};
    this.#take(name);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#drop(name);
    };
  }

  /** Sets a presence hold (taken once at most): the probes' way. */
  set(name: string, present: boolean): void {
    if (this.#closed) return;
    const hold = this.#holds.get(name);
    if (present && hold === undefined) this.#take(name);
    else if (!present && hold !== undefined) this.#drop(name, hold.count);
  }

  /** Registers a check that refreshes presence holds; run by {@link probe}. */
  addProbe(probe: () => void): void {
    this.#probes.push(probe);
  }

  /** Runs every probe: the engine does so before it lets a held window close. */
  probe(): void {
    for (const probe of this.#probes) probe();
  }

  /** When the oldest active hold expires (scheduler time); `Infinity` when none will. */
  nextExpiry(): number {
    let since = Number.POSITIVE_INFINITY;
    for (const hold of this.#holds.values())
      if (!hold.expired && hold.since < since) since = hold.since;
    return since + this.#maxHold;
  }

  /** Expires every active hold taken `maxHold` ms ago or more; returns their names. */
  expire(): string[] {
    const now = this.#now();
    const expired: string[] = [];
    for (const [name, hold] of this.#holds) {
      if (!hold.expired && now - hold.since >= this.#maxHold) {
        hold.expired = true;
        expired.push(name);
      }
    }
    this.#active -= expired.length;
    return expired;
  }

  /** Drops every hold for good (the queue stopped or drains); later takes do nothing. */
  close(): void {
    this.#closed = true;
    this.#holds.clear();
    this.#active = 0;
  }

  #take(name: string): void {
    const hold = this.#holds.get(name);
    if (hold !== undefined) {
      hold.count++;
      return;
    }
    this.#holds.set(name, { count: 1, since: this.#now(), expired: false });
    this.#active++;
  }

  #drop(name: string, times = 1): void {
    const hold = this.#holds.get(name);
    if (hold === undefined) return; // closed meanwhile
    hold.count -= times;
    if (hold.count > 0) return;
    this.#holds.delete(name);
    if (hold.expired) return;
    this.#active--;
    if (this.#active === 0) this.onReleased();
  }
}
