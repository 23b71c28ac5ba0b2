import { map, mergeMap, NEVER, type Observable, throwError, timer } from 'rxjs';
import type { Event } from '../../../../lib/events/event.ts';
import type {
  PollFetch,
  PollRecord,
  PollResponse,
} from '../../../../lib/sources/poll/poll-source-options.ts';
import { fileEvent } from '../../../../lib/testing/index.ts';

/** One change of the test feed. */
export interface Change extends PollRecord {
  readonly path: string;
}

export const change = (revision: number | string): Change => ({
  revision: String(revision),
  path: `/feed/${revision}`,
});

export const toEvent = (raw: Change): Event => fileEvent.written(raw.path);

/** The event a change of the given revision becomes. */
export const eventOf = (revision: number | string): Event => toEvent(change(revision));

/** A request the feed received. */
export interface Received {
  readonly at: number;
  readonly since: string | undefined;
  readonly signal: AbortSignal;
}

/**
 * An in-memory change feed answering in virtual time (RxJS timers, so that
 * `TestScheduler.run` drives them): it can compact, fail, page and lag.
 */
export class Feed {
  changes: Change[] = [];
  current = 0n;
  compact: bigint | null = null;
  /** Answer after this many ms. */
  latency = 2;
  /** At most this many changes per answer. */
  pageSize = Number.POSITIVE_INFINITY;
  /** Changes above this revision are not listed yet, though `currentRevision` says they exist. */
  visibleUpTo: bigint | null = null;
  /** The next requests fail with these, in order. */
  failures: Error[] = [];
  /** The next requests never answer. */
  hang = false;
  readonly requests: Received[] = [];
  readonly #now: () => number;

  constructor(now: () => number, revisions = 0) {
    this.#now = now;
    this.append(revisions);
  }

  /** Adds `count` changes after the current revision. */
  append(count: number): void {
    for (let i = 0; i < count; i++) {
      this.current++;
      this.changes.push(change(this.current.toString()));
    }
  }

  readonly fetch: PollFetch<Change> = ({ sinceRevision, signal }) => {
    this.requests.push({ at: this.#now(), since: sinceRevision, signal });
    if (this.hang) return NEVER;
    const failure = this.failures.shift();
    if (failure !== undefined) {
      return timer(this.latency).pipe(mergeMap(() => throwError(() => failure)));
    }
    const since = sinceRevision === undefined ? this.current : BigInt(sinceRevision);
    const visible = this.visibleUpTo ?? this.current;
    const events = this.changes
      .filter((raw) => BigInt(raw.revision) > since && BigInt(raw.revision) <= visible)
      .slice(0, this.pageSize);
    const response: PollResponse<Change> = {
      events,
      currentRevision: this.current.toString(),
      ...(this.compact === null ? {} : { compactRevision: this.compact.toString() }),
    };
    return this.answer(response);
  };

  /** Any response, after the latency. */
  answer<T>(response: T): Observable<T> {
    return timer(this.latency).pipe(map(() => response));
  }
}
