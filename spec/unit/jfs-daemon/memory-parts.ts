// In-memory stand-ins for the daemon's narrow interfaces: a feed that records what it is asked to
// write, a watch list the test registers paths in, and a path watcher the test emits changes from.
import { BehaviorSubject, type Observable, Subject } from 'rxjs';
import type { ChangeFeed, FeedRecord } from '../../../lib/jfs-daemon/change-feed.ts';
import type { PathWatcher } from '../../../lib/jfs-daemon/path-watcher.ts';
import type { WatchList, WatchListChange } from '../../../lib/jfs-daemon/watch-list.ts';
import type { JfsEvent } from '../../../lib/jfs-protocol/jfs-message.ts';
import { parseNotifyMessage } from '../../../lib/jfs-protocol/notify-message.ts';
import { parseStreamEntry, type StreamEntry } from '../../../lib/jfs-protocol/notify-stream.ts';
import type { LinkStatus } from '../../../lib/status.ts';

export class MemoryFeed implements ChangeFeed {
  readonly link: BehaviorSubject<LinkStatus>;
  readonly status$: Observable<LinkStatus>;
  /** Every stream entry written, decoded. */
  readonly entries: StreamEntry[] = [];
  /** Every pub/sub message written, as the events it holds. */
  readonly messages: JfsEvent[][] = [];
  writes = 0;
  /** Set: every write is refused with it (Redis out of memory), nothing of it recorded. */
  refusing: Error | null = null;
  refused = 0;
  closed = false;
  #attempt = 0;

  constructor(initial: LinkStatus = { kind: 'ready', since: 0 }) {
    this.link = new BehaviorSubject(initial);
    this.status$ = this.link.asObservable();
  }

  write(records: readonly FeedRecord[]): Promise<void> {
    this.writes++;
    if (this.refusing !== null) {
      this.refused++;
      return Promise.reject(this.refusing);
    }
    for (const record of records) {
      if (record.kind === 'append') this.entries.push(parseStreamEntry(record.fields));
      else this.messages.push(parseNotifyMessage(record.message).events);
    }
    return Promise.resolve();
  }

  down(): void {
    this.#attempt++;
    this.link.next({
      kind: 'reconnecting',
      attempt: this.#attempt,
      delayMs: 100,
      error: new Error('connection lost'),
    });
  }

  up(): void {
    this.#attempt = 0;
    this.link.next({ kind: 'ready', since: 1 });
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** Each entry: a marker's reason, a change's name, or a burst entry's names (an array). */
  entryNames(): (string | string[])[] {
    return this.entries.map((entry) => {
      switch (entry.kind) {
        case 'marker':
          return entry.reason;
        case 'event':
          return entry.event.name;
        case 'events':
          return entry.events.map((event) => event.name);
        default:
          return 'invalid';
      }
    });
  }
}

export class MemoryWatchList implements WatchList {
  readonly changes = new Subject<WatchListChange>();
  readonly changes$ = this.changes.asObservable();
  readonly paths = new Set<string>();
  closed = false;

  read(): Promise<ReadonlySet<string>> {
    return Promise.resolve(new Set(this.paths));
  }

  /** A proxy registers `path` and announces it. */
  register(path: string): void {
    this.paths.add(path);
    this.changes.next('changed');
  }

  close(): Promise<void> {
    this.closed = true;
    this.changes.complete();
    return Promise.resolve();
  }
}

export class MemoryPathWatcher implements PathWatcher {
  readonly events = new Subject<JfsEvent>();
  readonly events$ = this.events.asObservable();
  readonly warnings = new Subject<Error>();
  readonly warnings$ = this.warnings.asObservable();
  /** Every add, with the time it catches up from. */
  readonly adds: { path: string; since: number }[] = [];
  readonly #watched = new Set<string>();
  closed = false;

  watchList(): string[] {
    return [...this.#watched];
  }

  add(path: string, since = Number.POSITIVE_INFINITY): Promise<void> {
    if (!this.#watched.has(path)) this.adds.push({ path, since });
    this.#watched.add(path);
    return Promise.resolve();
  }

  remove(path: string): void {
    this.#watched.delete(path);
  }

  /** A change of `name` in its parent directory. */
  emit(name: string, op: number): void {
    this.events.next({ name, op, key: name.slice(0, name.lastIndexOf('/')) || '/' });
  }

  close(): Promise<void> {
    this.closed = true;
    this.events.complete();
    this.warnings.complete();
    return Promise.resolve();
  }
}
