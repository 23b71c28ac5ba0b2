import type { SchedulerLike } from 'rxjs';
import { Subscription } from 'rxjs/internal/Subscription';
import { asyncScheduler } from 'rxjs/internal/scheduler/async';
import type { EventSource, SourceStatus } from '../sources/event-source.ts';
import { fitToWidth } from './fit-to-width.ts';

/** Where the reporter writes: stderr, whether it is a terminal, and how wide. */
export interface StatusOutput {
  write(text: string): void;
  readonly isTTY: boolean;
  /** The terminal's width, read at every draw (a resize applies from the next one). */
  readonly columns?: number | undefined;
}

/** Options of {@link StatusReporter}. */
export interface StatusReporterOptions {
  /** The clock, and what runs the once-a-second redraw. Default rxjs `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /**
   * What the `ready:` line says is watched (`3 directories (12 files), docker`), asked once
   * every source is first ready. Default: the sources' names.
   */
  readonly describeReady?: () => string | Promise<string>;
}

const clearLine = '\r\u001b[2K';
/** The status line changes at most this often while waiting (a countdown, a scan's progress). */
const TICK_MS = 1000;

/**
 * Reports sources' statuses and warnings on stderr, and one
 * `ready: watching ... in T s` line once every source is first ready.
 *
 * On a terminal, a source that is connecting or reconnecting shows on one
 * transient status line, cut to the terminal's width and written again only
 * when its text changes: a reconnect counts its delay down, a file scan shows
 * the files seen so far, at most once a second. The line is cleared once
 * every source is ready. A reconnect's warning is the line's own reason: it
 * is not printed again below. Elsewhere each status change and warning is
 * one plain line.
 */
export class StatusReporter {
  readonly #out: StatusOutput;
  readonly #statuses = new Map<string, SourceStatus>();
  readonly #subscription = new Subscription();
  readonly #sources = new Map<string, EventSource>();
  readonly #since = new Map<string, number>();
  /** When each reconnecting source tries again, on the scheduler's clock. */
  readonly #due = new Map<string, number>();
  readonly #scheduler: SchedulerLike;
  readonly #describeReady: () => string | Promise<string>;
  readonly #startedAt: number;
  #tick: Subscription | null = null;
  /** The status line on screen, or null. */
  #shown: string | null = null;
  #announced = false;
  #closed = false;

  constructor(out: StatusOutput, options: StatusReporterOptions = {}) {
    this.#out = out;
    this.#scheduler = options.scheduler ?? asyncScheduler;
    this.#describeReady =
      options.describeReady ?? ((): string => [...this.#sources.keys()].join(', '));
    this.#startedAt = this.#scheduler.now();
  }

  /** Follows one source until `close()`. */
  follow(source: EventSource): void {
    this.#sources.set(source.name, source);
    this.#subscription.add(
      source.status$.subscribe((status) => {
        if (status.kind === 'idle') return;
        const now = this.#scheduler.now();
        if (status.kind === 'connecting' && !this.#since.has(source.name)) {
          this.#since.set(source.name, now);
        }
        if (status.kind === 'reconnecting') this.#due.set(source.name, now + status.delayMs);
        this.#statuses.set(source.name, status);
        if (this.#out.isTTY) {
          // Restarted at each change, so that a countdown ticks on its own whole seconds.
          this.#stopTick();
          this.#render();
        } else this.#line(`${source.name} ${describe(status, 0)}`);
        this.#announceReady();
      }),
    );
    this.#subscription.add(
      source.warnings$.subscribe((warning) => {
        if (!this.#out.isTTY) {
          this.#line(`${source.name} warning: ${warning.message}`);
          return;
        }
        // A source sets its reconnecting status (with this warning as its error) right after it
        // warns: the status line shows it, counting down, instead of a line per attempt.
        queueMicrotask(() => {
          const status = this.#statuses.get(source.name);
          if (this.#closed || (status?.kind === 'reconnecting' && status.error === warning)) return;
          this.#line(`${source.name} warning: ${warning.message}`);
        });
      }),
    );
  }

  /** Prints a message on its own line, keeping the status line below it. */
  message(text: string): void {
    this.#line(text);
  }

  /** Clears the status line, so that other output does not mix with it. */
  clear(): void {
    if (this.#shown !== null) this.#out.write(clearLine);
    this.#shown = null;
  }

  /** Draws the status line again after other output. */
  redraw(): void {
    if (this.#out.isTTY) this.#render();
  }

  close(): void {
    this.#closed = true;
    this.#stopTick();
    this.#subscription.unsubscribe();
    this.clear();
  }

  #line(text: string): void {
    this.clear();
    this.#out.write(`batchwatch: ${text}\n`);
    this.redraw();
  }

  #announceReady(): void {
    if (this.#announced) return;
    for (const name of this.#sources.keys()) {
      if (this.#statuses.get(name)?.kind !== 'ready') return;
    }
    this.#announced = true;
    const seconds = ((this.#scheduler.now() - this.#startedAt) / 1000).toFixed(1);
    void Promise.resolve()
      .then(() => this.#describeReady())
      .then(
        (what) => what,
        () => [...this.#sources.keys()].join(', '),
      )
      .then((what) => {
        if (!this.#closed) this.#line(`ready: watching ${what} in ${seconds} s`);
      });
  }

  #render(): void {
    const now = this.#scheduler.now();
    const parts: string[] = [];
    for (const [name, status] of this.#statuses) {
      if (status.kind === 'reconnecting') {
        parts.push(`${name} ${describe(status, (this.#due.get(name) ?? now) - now)}`);
      } else if (status.kind === 'connecting') {
        const seen = this.#sources.get(name)?.stats()['scanned'];
        const seconds = Math.floor((now - (this.#since.get(name) ?? now)) / 1000);
        parts.push(
          seen === undefined
            ? `${name} ${describe(status, 0)}`
            : `${name} scanning: ${seen.toLocaleString('en-US')} files seen, ${seconds} s`,
        );
      }
    }
    if (parts.length === 0) {
      this.#stopTick();
      this.clear();
      return;
    }
    const text = fitToWidth(`batchwatch: ${parts.join(' · ')}`, this.#out.columns);
    if (text !== this.#shown) {
      this.clear();
      this.#out.write(text);
      this.#shown = text;
    }
    if (this.#tick === null) {
      const render = (): void => this.#render();
      this.#tick = this.#scheduler.schedule(function tick() {
        render();
        this.schedule(undefined, TICK_MS);
      }, TICK_MS);
    }
  }

  #stopTick(): void {
    this.#tick?.unsubscribe();
    this.#tick = null;
  }
}

/** One status in words; a reconnect with `leftMs` to wait counts down in whole seconds. */
function describe(status: SourceStatus, leftMs: number): string {
  switch (status.kind) {
    case 'idle':
      return 'idle';
    case 'connecting':
      return status.attempt > 0 ? `connecting (attempt ${status.attempt})` : 'connecting';
    case 'ready':
      return 'ready';
    case 'reconnecting': {
      const left = Math.ceil(Math.max(0, leftMs) / 1000);
      const when = left > 0 ? ` in ${left} s` : '';
      return `reconnecting${when} (attempt ${status.attempt}): ${reason(status.error)}`;
    }
    case 'closed':
      return status.error === undefined ? 'closed' : `failed: ${status.error.message}`;
  }
}

/**
 * Why a link broke, without the delay: an error that carries the delay itself (a source's
 * reconnect warning says "Reconnecting in 1000 ms") is told by its cause.
 */
function reason(error: Error): string {
  if ('delayMs' in error && error.cause instanceof Error) return error.cause.message;
  return error.message;
}
