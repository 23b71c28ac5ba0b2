import type { SchedulerLike } from 'rxjs';
import { Subscription } from 'rxjs/internal/Subscription';
import { asyncScheduler } from 'rxjs/internal/scheduler/async';
import type { EventSource, SourceStatus } from '../sources/event-source.ts';

/** Where the reporter writes: stderr, and whether it is a terminal. */
export interface StatusOutput {
  write(text: string): void;
  readonly isTTY: boolean;
}

const clearLine = '\r\u001b[2K';
/** How often the status line is drawn again while a file source scans (progress), in ms. */
const PROGRESS_MS = 250;

/**
 * Reports sources' statuses and warnings on stderr. On a terminal, a source
 * that is connecting or reconnecting shows on one transient status line,
 * cleared once every source is ready (a file source scanning shows the files
 * seen so far and the time spent); elsewhere each change is one line.
 */
export class StatusReporter {
  readonly #out: StatusOutput;
  readonly #statuses = new Map<string, SourceStatus>();
  readonly #subscription = new Subscription();
  readonly #sources = new Map<string, EventSource>();
  readonly #since = new Map<string, number>();
  readonly #scheduler: SchedulerLike;
  #progress: Subscription | null = null;
  #lineShown = false;

  /** `scheduler` (default rxjs `asyncScheduler`) gives the clock and redraws the progress. */
  constructor(out: StatusOutput, scheduler: SchedulerLike = asyncScheduler) {
    this.#out = out;
    this.#scheduler = scheduler;
  }

  /** Follows one source until `close()`. */
  follow(source: EventSource): void {
    this.#sources.set(source.name, source);
    this.#subscription.add(
      source.status$.subscribe((status) => {
        if (status.kind === 'idle') return;
        if (status.kind === 'connecting' && !this.#since.has(source.name)) {
          this.#since.set(source.name, this.#scheduler.now());
        }
        this.#statuses.set(source.name, status);
        if (this.#out.isTTY) this.#render();
        else this.#line(`${source.name} ${describe(status)}`);
      }),
    );
    this.#subscription.add(
      source.warnings$.subscribe((warning) =>
        this.#line(`${source.name} warning: ${warning.message}`),
      ),
    );
  }

  /** Prints a message on its own line, keeping the status line below it. */
  message(text: string): void {
    this.#line(text);
  }

  /** Clears the status line, so that other output does not mix with it. */
  clear(): void {
    if (this.#lineShown) this.#out.write(clearLine);
    this.#lineShown = false;
  }

  /** Draws the status line again after other output. */
  redraw(): void {
    if (this.#out.isTTY) this.#render();
  }

  close(): void {
    this.#stopProgress();
    this.#subscription.unsubscribe();
    this.clear();
  }

  #line(text: string): void {
    this.clear();
    this.#out.write(`batchwatch: ${text}\n`);
    this.redraw();
  }

  #render(): void {
    const waiting = [...this.#statuses].filter(
      ([, status]) => status.kind === 'connecting' || status.kind === 'reconnecting',
    );
    this.clear();
    if (waiting.length === 0) {
      this.#stopProgress();
      return;
    }
    const parts = waiting.map(([name, status]) => {
      const seen = this.#sources.get(name)?.stats()['scanned'];
      if (status.kind !== 'connecting' || seen === undefined) return `${name} ${describe(status)}`;
      const now = this.#scheduler.now();
      const seconds = (now - (this.#since.get(name) ?? now)) / 1000;
      return `${name} scanning: ${seen.toLocaleString('en-US')} files seen, ${seconds.toFixed(1)} s`;
    });
    this.#out.write(`batchwatch: ${parts.join(' · ')}`);
    this.#lineShown = true;
    // Drawn again while waiting: a file source's scan progresses without a status change.
    if (this.#progress === null) {
      const render = (): void => this.#render();
      this.#progress = this.#scheduler.schedule(function redraw() {
        render();
        this.schedule(undefined, PROGRESS_MS);
      }, PROGRESS_MS);
    }
  }

  #stopProgress(): void {
    this.#progress?.unsubscribe();
    this.#progress = null;
  }
}

function describe(status: SourceStatus): string {
  switch (status.kind) {
    case 'idle':
      return 'idle';
    case 'connecting':
      return status.attempt > 1 ? `connecting (attempt ${status.attempt})` : 'connecting';
    case 'ready':
      return 'ready';
    case 'reconnecting':
      return `reconnecting in ${(status.delayMs / 1000).toFixed(1)} s (attempt ${status.attempt}): ${status.error.message}`;
    case 'closed':
      return status.error === undefined ? 'closed' : `failed: ${status.error.message}`;
  }
}
