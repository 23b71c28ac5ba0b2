import type { SchedulerLike, Subscription } from 'rxjs';
import { Action } from '../events/action.ts';
import { type Held, HeldQueue } from './held-queue.ts';

/** What the watcher saw happen to one path. */
export const FileOp = {
  /** The path appeared (chokidar `add` / `addDir`). */
  Add: 'add',
  /** The file's content changed (chokidar `change`). */
  Change: 'change',
  /** The path disappeared (chokidar `unlink` / `unlinkDir`). */
  Unlink: 'unlink',
} as const;

/** One of the {@link FileOp} values. */
export type FileOp = (typeof FileOp)[keyof typeof FileOp];

/** One raw observation, in the order the watcher reported it. */
export interface FileObservation {
  readonly op: FileOp;
  /** Absolute path. */
  readonly path: string;
  /** A directory rather than a file. */
  readonly dir: boolean;
  /**
   * `fileIdentity()` of the stats on add and change; on unlink, given by a
   * watcher that remembers identities itself (see `remember`), else unknown.
   */
  readonly identity?: string | undefined;
  /**
   * On add, from a watcher that remembers identities itself: whether it
   * holds an unlink of another path with this identity (then the add waits
   * for it). Default: whether the pairer remembers another such path.
   */
  readonly renameLikely?: boolean;
  /** When the watcher reported it, in ms since the epoch. */
  readonly time: number;
}

/** The file actions a {@link FileChange} can carry. */
export type FileAction =
  | typeof Action.FileCreated
  | typeof Action.FileWritten
  | typeof Action.FileDeleted
  | typeof Action.FileRenamed;

/** One change as the file source reports it. */
export interface FileChange {
  readonly action: FileAction;
  /** Absolute path (the new one on a rename). */
  readonly path: string;
  /** The absolute path before a rename. */
  readonly oldPath?: string;
  readonly dir: boolean;
  /** When it happened: the earlier of the two observations of a rename. */
  readonly time: number;
}

interface Known {
  readonly identity: string | undefined;
  readonly dir: boolean;
}

/** How a {@link RenamePairer} waits. */
export interface RenamePairerOptions {
  /** How long an unlink waits for the add of its file, in ms; 0 turns pairing off. */
  readonly window: number;
  /**
   * How much longer an add waits for the unlink of its file: the watcher's
   * own delay of unlinks (chokidar's `atomic` time), in ms. Default 0.
   */
  readonly unlinkDelay?: number;
  /**
   * Whether to remember every path's identity (from `seed` and adds). False
   * when the watcher remembers them and passes them on unlinks and as
   * `renameLikely` on adds: then `tracked` stays 0. Default true.
   */
  readonly remember?: boolean;
  /** Where time and the timer come from. */
  readonly scheduler: SchedulerLike;
}

/**
 * Turns raw add/change/unlink observations into {@link FileChange}s, pairing
 * an unlink and an add of the same file identity (device, inode, birth time)
 * into one FileRenamed, in either order:
 *
 * - unlink first (polling): the unlink of a known file is held for `window`;
 *   an add of its identity makes it a rename, otherwise it is reported as a
 *   delete when the window passes (a rename out of the tree is a delete);
 * - add first (native watching: chokidar delays unlinks by its `atomic`
 *   time): an add whose identity another known path still has is held for
 *   `window + unlinkDelay`; the unlink of that path makes it a rename,
 *   otherwise it is a create when the time passes (a new hard link). A rename
 *   into the tree (an identity never seen) is a create at once.
 *
 * It remembers the identity of every path that exists (seeded from the
 * initial scan), so its memory is bounded by what is watched; unlinks free
 * the entries. Order is kept per path: a new observation of a path first
 * settles what is held for it; held unlinks are released in arrival order.
 * One timer at most, none while nothing is held.
 */
export class RenamePairer {
  readonly #window: number;
  readonly #addWindow: number;
  readonly #scheduler: SchedulerLike;
  readonly #emit: (change: FileChange) => void;
  readonly #remembers: boolean;
  readonly #known = new Map<string, Known>();
  /** How many known paths have each identity (more than one for hard links). */
  readonly #identities = new Map<string, number>();
  /** Held unlinks and adds, each in arrival (and so deadline) order. */
  readonly #heldUnlinks = new HeldQueue();
  readonly #heldAdds = new HeldQueue();
  readonly #heldByPath = new Map<string, Held>();
  /** Held unlinks and adds by identity. */
  readonly #unlinks = new Map<string, Held>();
  readonly #adds = new Map<string, Held>();
  #timer: Subscription | null = null;
  #timerDeadline = Number.POSITIVE_INFINITY;
  #closed = false;

  /** @param emit Receives every change, in order per path. */
  constructor(options: RenamePairerOptions, emit: (change: FileChange) => void) {
    this.#window = options.window;
    this.#addWindow = options.window + (options.unlinkDelay ?? 0);
    this.#remembers = options.remember ?? true;
    this.#scheduler = options.scheduler;
    this.#emit = emit;
  }

  /** How many paths are remembered (every path that exists in the watched tree). */
  get tracked(): number {
    return this.#known.size;
  }

  /** How many adds and unlinks wait for their other half. */
  get held(): number {
    return this.#heldUnlinks.size + this.#heldAdds.size;
  }

  /** Remembers a path found by the initial scan, without reporting it. */
  seed(path: string, dir: boolean, identity: string | undefined): void {
    if (this.#closed) return;
    this.#forget(path);
    this.#remember(path, dir, identity);
  }

  /** Takes one observation; emits what it settles, now or when the window passes. */
  observe(observation: FileObservation): void {
    if (this.#closed) return;
    const earlier = this.#heldByPath.get(observation.path);
    if (earlier !== undefined) this.#release(earlier);
    switch (observation.op) {
      case FileOp.Add:
        this.#added(observation);
        break;
      case FileOp.Change:
        this.#forget(observation.path);
        this.#remember(observation.path, observation.dir, observation.identity);
        this.#report(Action.FileWritten, observation);
        break;
      case FileOp.Unlink:
        this.#unlinked(observation);
        break;
    }
  }

  /** Drops everything held without reporting it and stops the timer. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#disarm();
    this.#heldUnlinks.clear();
    this.#heldAdds.clear();
    this.#heldByPath.clear();
    this.#unlinks.clear();
    this.#adds.clear();
    this.#known.clear();
    this.#identities.clear();
  }

  #added(observation: FileObservation): void {
    const { path, dir, identity, time } = observation;
    this.#forget(path);
    if (identity !== undefined && this.#window > 0) {
      const unlink = this.#unlinks.get(identity);
      if (unlink !== undefined) {
        this.#drop(unlink);
        this.#remember(path, dir, identity);
        this.#emit({
          action: Action.FileRenamed,
          path,
          oldPath: unlink.path,
          dir,
          time: Math.min(unlink.time, time),
        });
        return;
      }
      // Another path still has this identity: most likely its unlink is on its way.
      const likely = observation.renameLikely ?? (this.#identities.get(identity) ?? 0) > 0;
      if (likely && !this.#adds.has(identity)) {
        this.#remember(path, dir, identity);
        this.#hold({ op: FileOp.Add, path, dir, identity, time });
        return;
      }
    }
    this.#remember(path, dir, identity);
    this.#report(Action.FileCreated, observation);
  }

  #unlinked(observation: FileObservation): void {
    const { path, time } = observation;
    const known = this.#forget(path);
    const identity = observation.identity ?? known?.identity;
    if (identity === undefined || this.#window === 0) {
      this.#report(Action.FileDeleted, observation);
      return;
    }
    const add = this.#adds.get(identity);
    if (add !== undefined) {
      this.#drop(add);
      this.#emit({
        action: Action.FileRenamed,
        path: add.path,
        oldPath: path,
        dir: add.dir,
        time: Math.min(add.time, time),
      });
      return;
    }
    const previous = this.#unlinks.get(identity);
    if (previous !== undefined) this.#release(previous);
    this.#hold({ op: FileOp.Unlink, path, dir: known?.dir ?? observation.dir, identity, time });
  }

  #report(action: FileAction, observation: FileObservation): void {
    this.#emit({ action, path: observation.path, dir: observation.dir, time: observation.time });
  }

  #remember(path: string, dir: boolean, identity: string | undefined): void {
    if (!this.#remembers) return;
    this.#known.set(path, { identity, dir });
    if (identity !== undefined) {
      this.#identities.set(identity, (this.#identities.get(identity) ?? 0) + 1);
    }
  }

  #forget(path: string): Known | undefined {
    const known = this.#known.get(path);
    if (known === undefined) return undefined;
    this.#known.delete(path);
    const identity = known.identity;
    if (identity !== undefined) {
      const count = (this.#identities.get(identity) ?? 1) - 1;
      if (count > 0) this.#identities.set(identity, count);
      else this.#identities.delete(identity);
    }
    return known;
  }

  #hold(init: Omit<Held, 'deadline' | 'settled'>): void {
    const add = init.op === FileOp.Add;
    const deadline = this.#scheduler.now() + (add ? this.#addWindow : this.#window);
    const held: Held = { ...init, deadline, settled: false };
    (add ? this.#heldAdds : this.#heldUnlinks).push(held);
    (add ? this.#adds : this.#unlinks).set(held.identity, held);
    this.#heldByPath.set(held.path, held);
    if (deadline < this.#timerDeadline) this.#arm(deadline);
  }

  /** Stops holding without reporting. */
  #drop(held: Held): void {
    if (held.settled) return;
    const add = held.op === FileOp.Add;
    (add ? this.#heldAdds : this.#heldUnlinks).remove(held);
    const byIdentity = add ? this.#adds : this.#unlinks;
    if (byIdentity.get(held.identity) === held) byIdentity.delete(held.identity);
    if (this.#heldByPath.get(held.path) === held) this.#heldByPath.delete(held.path);
    if (this.held === 0) this.#disarm();
  }

  /** The time passed (or the path moved on) without the other half: report it as it is. */
  #release(held: Held): void {
    this.#drop(held);
    const action = held.op === FileOp.Add ? Action.FileCreated : Action.FileDeleted;
    this.#emit({ action, path: held.path, dir: held.dir, time: held.time });
  }

  /** The held entry with the earliest deadline: the head of one of the two queues. */
  #next(): Held | undefined {
    const unlink = this.#heldUnlinks.peek();
    const add = this.#heldAdds.peek();
    if (unlink === undefined || add === undefined) return unlink ?? add;
    return add.deadline < unlink.deadline ? add : unlink;
  }

  #arm(deadline: number): void {
    this.#timer?.unsubscribe();
    this.#timerDeadline = deadline;
    this.#timer = this.#scheduler.schedule(
      () => {
        this.#timer = null;
        this.#timerDeadline = Number.POSITIVE_INFINITY;
        this.#expire();
      },
      Math.max(0, deadline - this.#scheduler.now()),
    );
  }

  #disarm(): void {
    this.#timer?.unsubscribe();
    this.#timer = null;
    this.#timerDeadline = Number.POSITIVE_INFINITY;
  }

  #expire(): void {
    const now = this.#scheduler.now();
    for (let held = this.#next(); held !== undefined && !this.#closed; held = this.#next()) {
      if (held.deadline > now) {
        if (held.deadline < this.#timerDeadline) this.#arm(held.deadline);
        return;
      }
      this.#release(held);
    }
  }
}
