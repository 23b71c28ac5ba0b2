// Deep imports: the `rxjs` index loads all of rxjs (about 10 MB of idle RSS for `batchwatch proxy`).
import type { Observable } from 'rxjs';
import { BehaviorSubject } from 'rxjs/internal/BehaviorSubject';
import { Subject } from 'rxjs/internal/Subject';
import type { JfsEvent } from '../jfs-protocol/jfs-message.ts';
import type { GapReason } from '../jfs-protocol/notify-stream.ts';
import type { LinkStatus } from '../status.ts';
import type { FeedChange, ProxyFeed } from './proxy-feed.ts';

/**
 * The observable side of a {@link ProxyFeed}, set in one place: a feed
 * reports what it reads and how its link is through these methods, and
 * exposes `changes$`, `status$` and `warnings$`. `attempt` of a
 * `reconnecting` status is the retry number since the link was last ready
 * (from 1), the number its retry policy was asked with for `delayMs`.
 */
export class FeedSubjects implements Pick<ProxyFeed, 'changes$' | 'status$' | 'warnings$'> {
  readonly changes$: Observable<FeedChange>;
  readonly status$: Observable<LinkStatus>;
  readonly warnings$: Observable<Error>;
  readonly #changes = new Subject<FeedChange>();
  readonly #status = new BehaviorSubject<LinkStatus>({ kind: 'connecting', attempt: 0 });
  readonly #warnings = new Subject<Error>();
  readonly #now: () => number;
  #attempt = 0;
  #closed = false;

  /** `now` stamps `ready` (`since`). */
  constructor(now: () => number) {
    this.#now = now;
    this.changes$ = this.#changes.asObservable();
    this.status$ = this.#status.asObservable();
    this.warnings$ = this.#warnings.asObservable();
  }

  /** The current status. */
  get status(): LinkStatus {
    return this.#status.value;
  }

  events(events: readonly JfsEvent[], messages = events.length): void {
    if (events.length > 0 || messages > 0) this.#changes.next({ kind: 'events', events, messages });
  }

  gap(reason: GapReason): void {
    this.#changes.next({ kind: 'gap', reason });
  }

  invalid(count: number): void {
    this.#changes.next({ kind: 'invalid', count });
  }

  /** Positioned and reading. */
  ready(): void {
    this.#attempt = 0;
    this.#status.next({ kind: 'ready', since: this.#now() });
  }

  /** The link broke: retry number `attempt + 1` in `delayMs`. */
  reconnecting(delayMs: number, error: Error): void {
    this.#attempt++;
    this.#status.next({ kind: 'reconnecting', attempt: this.#attempt, delayMs, error });
  }

  warn(error: Error): void {
    this.#warnings.next(error);
  }

  /** `closed`, and every observable completes. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#status.next({ kind: 'closed' });
    this.#status.complete();
    this.#changes.complete();
    this.#warnings.complete();
  }
}

/** A feed's observable side, for a feed class to extend: it reports through `out`. */
export abstract class ObservableFeed
  implements Pick<ProxyFeed, 'changes$' | 'status$' | 'warnings$'>
{
  protected readonly out: FeedSubjects;

  /** `now` stamps `ready` (`since`). */
  constructor(now: () => number) {
    this.out = new FeedSubjects(now);
  }

  get changes$(): Observable<FeedChange> {
    return this.out.changes$;
  }

  get status$(): Observable<LinkStatus> {
    return this.out.status$;
  }

  get warnings$(): Observable<Error> {
    return this.out.warnings$;
  }
}
