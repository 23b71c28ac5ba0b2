// The JFS protocol has no position: with a checkpoint store, a restarted source reports a
// ForceReload (reason 'resume') once ready; the very first start reports nothing.
import { BehaviorSubject, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { JfsError } from '../../../../lib/errors.ts';
import { Action } from '../../../../lib/events/action.ts';
import type { Event } from '../../../../lib/events/event.ts';
import type { JfsEvent } from '../../../../lib/jfs-protocol/jfs-message.ts';
import { SqliteJournal } from '../../../../lib/journal/sqlite-journal.ts';
import { jfsSource } from '../../../../lib/sources/jfs/jfs-source.ts';
import type { NotifyWatcher, WatcherStatus } from '../../../../lib/sources/jfs/notify-watcher.ts';

class ReadyWatcher implements NotifyWatcher {
  readonly statuses = new BehaviorSubject<WatcherStatus>({ kind: 'connecting', attempt: 0 });
  readonly events$ = new Subject<JfsEvent>().asObservable();
  readonly warnings$ = new Subject<JfsError>().asObservable();
  readonly status$ = this.statuses.asObservable();
  get status(): WatcherStatus {
    return this.statuses.value;
  }
  add(): void {}
  remove(): void {}
  watchList(): string[] {
    return [];
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Starts a source on the journal until ready; returns what it emitted. */
function startOnce(journal: SqliteJournal): Event[] {
  const watcher = new ReadyWatcher();
  const source = jfsSource({
    paths: ['/d'],
    env: {},
    checkpoint: journal,
    createWatcher: () => watcher,
  });
  const events: Event[] = [];
  const subscription = source.subscribe((event) => events.push(event));
  watcher.statuses.next({ kind: 'ready', since: 1 });
  subscription.unsubscribe();
  return events;
}

describe('jfsSource checkpoint', () => {
  it('reports nothing on the first start, then one ForceReload on each restart', async () => {
    await using journal = new SqliteJournal({ path: ':memory:' });
    expect(startOnce(journal)).toEqual([]);
    const restarted = startOnce(journal);
    expect(restarted.map((e) => [e.action, e.actorAttributes['reason']])).toEqual([
      [Action.ForceReload, 'resume'],
    ]);
    expect(startOnce(journal)).toHaveLength(1);
  });

  it('without a checkpoint, reports nothing on start (as before)', () => {
    const watcher = new ReadyWatcher();
    const source = jfsSource({ paths: ['/d'], env: {}, createWatcher: () => watcher });
    const events: Event[] = [];
    const subscription = source.subscribe((event) => events.push(event));
    watcher.statuses.next({ kind: 'ready', since: 1 });
    subscription.unsubscribe();
    expect(events).toEqual([]);
  });
});
