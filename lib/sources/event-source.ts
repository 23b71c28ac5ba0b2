import createDebug from 'debug';
import type { Subscriber, TeardownLogic } from 'rxjs';
import { BehaviorSubject } from 'rxjs/internal/BehaviorSubject';
import { firstValueFrom } from 'rxjs/internal/firstValueFrom';
import { Observable } from 'rxjs/internal/Observable';
import { filter } from 'rxjs/internal/operators/filter';
import { map } from 'rxjs/internal/operators/map';
import { share } from 'rxjs/internal/operators/share';
import { Subject } from 'rxjs/internal/Subject';
import type { BatchwatchError } from '../errors.ts';
import type { Event } from '../events/event.ts';
import { type LinkStatus, LinkStatusKind } from '../status.ts';

/** The kinds of {@link SourceStatus} (the shared {@link LinkStatusKind}). */
export const SourceStatusKind = LinkStatusKind;

/** Where a source is in its life: the shared {@link LinkStatus}. */
export type SourceStatus = LinkStatus;

/** What a source's producer uses to report; every call after the watch stops is ignored. */
export interface SourceContext {
  /** Delivers one event (counted as `events`). */
  next(event: Event): void;
  /** Sets the status (a `reconnecting` status counts a reconnect). */
  status(status: SourceStatus): void;
  /** Reports a non-fatal problem (counted as `warnings`); the source goes on. */
  warn(warning: BatchwatchError): void;
  /** Adds to a named counter of the source. */
  count(counter: string, by?: number): void;
  /** Fails for good: the stream errors and the status becomes `closed` with the error. */
  error(error: Error): void;
  /** Aborted when the watch stops (its last subscriber left): pass it to requests and sleeps. */
  readonly signal: AbortSignal;
  /**
   * The source's `debug` logger (`batchwatch:<name>`): printf-style `log('%d lines', n)`.
   * Typed narrowly so that the declarations need no `@types/debug`.
   */
  readonly log: (formatter: string, ...args: unknown[]) => void;
}

/** Starts one watch; returns what releases every handle it opened. */
export type SourceProducer = (context: SourceContext) => TeardownLogic;

/**
 * An Observable of {@link Event}s that also reports its status, warnings and
 * counters, shared by construction: however many subscribers it has, there
 * is one watch. The first subscriber starts it; later ones join it (they get
 * the events from then on); it stops when the last one unsubscribes, or when
 * it fails (every subscriber gets the error). Status, warnings and counters
 * describe that one watch: `closed` is published only when it stops, and the
 * counters start from 0 when a new watch starts after the previous one
 * stopped.
 */
export class EventSource extends Observable<Event> {
  /** Short name of the kind of source (`docker`, `file`, `jfs`, `poll`). */
  readonly name: string;
  /** The current status, then every change. */
  readonly status$: Observable<SourceStatus>;
  /** Non-fatal problems: a reconnect, a malformed frame or line, a watch that failed. Hot. */
  readonly warnings$: Observable<BatchwatchError>;

  readonly #status = new BehaviorSubject<SourceStatus>({ kind: 'idle' });
  readonly #warnings = new Subject<BatchwatchError>();
  #counters: Record<string, number> = {};

  constructor(name: string, producer: SourceProducer) {
    // Assigned right after super(): nothing subscribes before the constructor returns.
    let watch: Observable<Event> | null = null;
    super((subscriber) => watch?.subscribe(subscriber));
    const log = createDebug(`batchwatch:${name}`);
    // share(): one watch for all subscribers, started by the first, stopped with the last
    // (or by an error); a subscriber after that starts a new one.
    watch = new Observable<Event>((subscriber) => this.#watch(producer, log, subscriber)).pipe(
      share(),
    );
    this.name = name;
    this.status$ = this.#status.asObservable();
    this.warnings$ = this.#warnings.asObservable();
  }

  /** The current status. */
  get status(): SourceStatus {
    return this.#status.value;
  }

  /** A snapshot of the counters: `events`, `warnings`, `reconnects`, and the source's own. */
  stats(): Readonly<Record<string, number>> {
    return { ...this.#counters };
  }

  /**
   * Resolves when the source is next `ready` (at once if it is); rejects if
   * it closes first. Subscribe before awaiting it.
   */
  ready(): Promise<void> {
    return firstValueFrom(
      this.#status.pipe(
        filter((status) => status.kind === 'ready' || status.kind === 'closed'),
        map((status) => {
          if (status.kind === 'closed') {
            throw status.error ?? new Error(`the ${this.name} source closed before it was ready`);
          }
        }),
      ),
    );
  }

  /** The one watch: runs the producer with a context that reports to this source. */
  #watch(
    producer: SourceProducer,
    log: SourceContext['log'],
    subscriber: Subscriber<Event>,
  ): TeardownLogic {
    const abort = new AbortController();
    let open = true;
    this.#counters = { events: 0, warnings: 0, reconnects: 0 };
    const setStatus = (status: SourceStatus): void => {
      if (status.kind === 'reconnecting') this.#count('reconnects', 1);
      log('status %s', status.kind);
      this.#status.next(status);
    };
    const context: SourceContext = {
      next: (event) => {
        if (!open) return;
        this.#count('events', 1);
        subscriber.next(event);
      },
      status: (status) => {
        if (open) setStatus(status);
      },
      warn: (warning) => {
        if (!open) return;
        this.#count('warnings', 1);
        log('warning %s: %s', warning.code, warning.message);
        this.#warnings.next(warning);
      },
      count: (counter, by = 1) => {
        if (open) this.#count(counter, by);
      },
      error: (error) => {
        if (!open) return;
        open = false;
        setStatus({ kind: 'closed', error });
        subscriber.error(error);
      },
      signal: abort.signal,
      log,
    };
    setStatus({ kind: 'connecting', attempt: 0 });
    const teardown = producer(context);
    subscriber.add(() => {
      const wasOpen = open;
      open = false;
      abort.abort();
      if (wasOpen) setStatus({ kind: 'closed' });
    });
    return teardown;
  }

  #count(counter: string, by: number): void {
    this.#counters[counter] = (this.#counters[counter] ?? 0) + by;
  }
}
