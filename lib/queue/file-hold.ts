import { Action } from '../events/action.ts';
import { type Event, EventType } from '../events/event.ts';
import type { HoldSet } from './hold-set.ts';

/** What `holdWhile` names: absolute paths, or a test on the absolute path of changed files. */
export type HoldWhile = readonly string[] | ((path: string) => boolean);

/**
 * Holds batches while a file exists (`.git/index.lock` while git writes the
 * tree). One presence hold per file, named by its absolute path, learned two
 * ways:
 *
 * - **from the events themselves**, as they enter the queue: a lock file
 *   inside a watched tree is created before the changes it guards and
 *   removed (git renames `index.lock` onto `index`) after them, and the
 *   watcher reports changes in order, so the hold starts before the first
 *   guarded change is stored and ends after the last. No polling, no race
 *   with the watcher's lag.
 * - **by a stat check when a window would close** ({@link probe}, run by
 *   the engine, and again every window period while held): the truth at
 *   that moment, for what events cannot tell: a lock outside the watched
 *   trees, one that existed before watching began, a removal lost in an
 *   overflow (a ForceReload also triggers the check).
 *
 * With a predicate only the second half of the first way has names to
 * check: the paths events reported present.
 */
export class FileHold {
  readonly #holds: HoldSet;
  readonly #exists: (path: string) => boolean;
  /** Listed paths: these are checked even before any event names them. */
  readonly #paths: ReadonlySet<string>;
  readonly #matches: (path: string) => boolean;
  /** Paths present as far as events and checks know (predicate mode: the ones to check). */
  readonly #present = new Set<string>();

  /**
   * @param holdWhile absolute paths, or a test on absolute paths.
   * @param exists the stat check (`fs.existsSync` in real use).
   */
  constructor(holdWhile: HoldWhile, holds: HoldSet, exists: (path: string) => boolean) {
    this.#holds = holds;
    this.#exists = exists;
    if (typeof holdWhile === 'function') {
      this.#paths = new Set();
      // User code on the intake path: a test that throws matches nothing rather than breaking intake.
      this.#matches = (path) => {
        try {
          return holdWhile(path) === true;
        } catch {
          return false;
        }
      };
    } else {
      const paths = new Set(holdWhile);
      this.#paths = paths;
      this.#matches = (path) => paths.has(path);
    }
    holds.addProbe(() => this.probe());
  }

  /** Learns from one event entering the queue; called before the event is stored. */
  observe(event: Event): void {
    if (event.type !== EventType.File) return;
    switch (event.action) {
      case Action.FileCreated:
      case Action.FileWritten:
        this.#learn(event.actorId, true);
        return;
      case Action.FileDeleted:
        this.#learn(event.actorId, false);
        return;
      case Action.FileRenamed: {
        const oldPath = event.actorAttributes['oldPath'] ?? event.oldName;
        if (oldPath !== undefined) this.#learn(oldPath, false);
        this.#learn(event.actorId, true);
        return;
      }
      case Action.ForceReload:
        this.probe();
        return;
    }
  }

  /** Checks every listed path and every path known present; sets their holds to what is true now. */
  probe(): void {
    for (const path of this.#paths) this.#set(path, this.#exists(path));
    for (const path of this.#present)
      if (!this.#paths.has(path)) this.#set(path, this.#exists(path));
  }

  #learn(path: string, present: boolean): void {
    if (path !== '' && this.#matches(path)) this.#set(path, present);
  }

  #set(path: string, present: boolean): void {
    if (present) this.#present.add(path);
    else this.#present.delete(path);
    this.#holds.set(path, present);
  }
}
