import { Subscription } from 'rxjs';
import type { EventSource, SourceStatus } from '../sources/event-source.ts';

/** Where the reporter writes: stderr, and whether it is a terminal. */
export interface StatusOutput {
  write(text: string): void;
  readonly isTTY: boolean;
}

const clearLine = '\r\u001b[2K';

/**
 * Reports sources' statuses and warnings on stderr. On a terminal, a source
 * that is connecting or reconnecting shows on one transient status line,
 * cleared once every source is ready; elsewhere each change is one line.
 */
export class StatusReporter {
  readonly #out: StatusOutput;
  readonly #statuses = new Map<string, SourceStatus>();
  readonly #subscription = new Subscription();
  #lineShown = false;

  constructor(out: StatusOutput) {
    this.#out = out;
  }

  /** Follows one source until `close()`. */
  follow(source: EventSource): void {
    this.#subscription.add(
      source.status$.subscribe((status) => {
        if (status.kind === 'idle') return;
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
    if (waiting.length === 0) return;
    this.#out.write(
      `batchwatch: ${waiting.map(([name, status]) => `${name} ${describe(status)}`).join(' · ')}`,
    );
    this.#lineShown = true;
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
