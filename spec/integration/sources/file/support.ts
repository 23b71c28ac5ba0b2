// Helpers for the file source's integration specs: real temp dirs, a recorder, barriers.
import { createHook } from 'node:async_hooks';
import { mkdtemp, realpath, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Subscription } from 'rxjs';
import { expect, onTestFinished, vi } from 'vitest';
import { Action, actionName, type BatchwatchError, type Event } from '../../../../lib/index.ts';
import type { EventSource } from '../../../../lib/sources/event-source.ts';

/** A fresh temp directory (its real path), removed when the test ends. */
export async function tempDir(prefix = 'batchwatch-file-'): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), prefix)));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** An event with the wall-clock time it was delivered at. */
export interface Received {
  readonly event: Event;
  readonly at: number;
}

/** Subscribes to a source and records what it delivers; unsubscribes when the test ends. */
export class Recorder {
  readonly received: Received[] = [];
  readonly warnings: BatchwatchError[] = [];
  readonly subscription: Subscription;
  readonly source: EventSource;
  #barriers = 0;

  constructor(source: EventSource) {
    this.source = source;
    const warnings = source.warnings$.subscribe((warning) => this.warnings.push(warning));
    this.subscription = source.subscribe((event) => this.received.push({ event, at: Date.now() }));
    this.subscription.add(warnings);
    onTestFinished(() => this.subscription.unsubscribe());
  }

  /** Every event so far, barrier events (at any level: see {@link settle}) left out. */
  get events(): Event[] {
    return this.received
      .map((received) => received.event)
      .filter((event) => !basename(event.actorId).startsWith('barrier-'));
  }

  /** `"<action> <name>"` (and `<- <oldName>` on a rename) of every event so far, barriers left out. */
  get log(): string[] {
    return this.events.map(describeEvent);
  }

  /** Waits until an event matching `match` has arrived and returns the first one. */
  async next(match: (event: Event) => boolean, timeout = 10_000): Promise<Received> {
    return vi.waitFor(
      () => {
        const found = this.received.find((received) => match(received.event));
        expect(found, 'expected event not delivered yet').toBeDefined();
        return found as Received;
      },
      { timeout, interval: 5 },
    );
  }

  /**
   * Waits until everything observed before the call has been reported: creates
   * and deletes a barrier file named `barrier-<n>` in `dir` (a watched
   * directory, or a watched single file's directory with `barrier-<n>` among
   * the watched paths), and waits for its delete. Deletes are held for the
   * rename window in order, so once the barrier's delete is out, every earlier
   * held change is out too.
   */
  async settle(dir: string, name = `barrier-${this.#barriers++}`): Promise<void> {
    const path = join(dir, name);
    await writeFile(path, 'x');
    await this.next((event) => event.actorId === path && event.action === Action.FileCreated);
    await unlink(path);
    await this.next((event) => event.actorId === path && event.action === Action.FileDeleted);
  }
}

/** `"created sub/a.txt"`, `"renamed b.txt <- a.txt"`. */
export function describeEvent(event: Event): string {
  const name = `${actionName(event.action)} ${event.actorName}`;
  return event.oldName === undefined ? name : `${name} <- ${event.oldName}`;
}

/** How many active handles and requests of each kind the process has (`FSEventWrap`, `Timeout`...). */
export function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/**
 * Counts the timers (`Timeout`s) created from now on by batchwatch, chokidar
 * or RxJS that are still pending, to prove that closing released them.
 * Stops counting when the test ends.
 */
export function trackTimers(): { readonly live: () => number } {
  const live = new Set<number>();
  const hook = createHook({
    init(asyncId, type) {
      if (type !== 'Timeout') return;
      const stack = new Error().stack ?? '';
      if (/lib\/sources\/|node_modules\/(chokidar|rxjs)\//.test(stack)) live.add(asyncId);
    },
    destroy(asyncId) {
      live.delete(asyncId);
    },
  }).enable();
  onTestFinished(() => void hook.disable());
  return { live: () => live.size };
}

/**
 * Waits, without timers of its own (so that the Timeout count can be
 * checked), until `check` passes; gives up after `turns` event-loop turns.
 */
export async function untilSettled(check: () => void, turns = 20_000): Promise<void> {
  for (let turn = 0; ; turn++) {
    try {
      check();
      return;
    } catch (err) {
      if (turn >= turns) throw err;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

/** Writes `text` to `path` the way an editor saves atomically: a temp file renamed over it. */
export async function atomicSave(path: string, text: string): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  await writeFile(temp, text);
  await rename(temp, path);
}
