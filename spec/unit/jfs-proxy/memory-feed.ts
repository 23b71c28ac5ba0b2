// An in-memory stand-in for the proxy's feed (ProxyFeed): the test says what it "read" and how
// its link is; it records whether the proxy paused or closed it.
import type { Observable } from 'rxjs';
import type { JfsEvent } from '../../../lib/jfs-protocol/jfs-message.ts';
import type { GapReason } from '../../../lib/jfs-protocol/notify-stream.ts';
import { FeedSubjects } from '../../../lib/jfs-proxy/feed-subjects.ts';
import type { FeedChange, ProxyFeed, ProxyRegistry } from '../../../lib/jfs-proxy/proxy-feed.ts';
import type { LinkStatus } from '../../../lib/status.ts';

export class MemoryFeed implements ProxyFeed {
  readonly #out: FeedSubjects;
  lagMs = 0;
  paused = false;
  pauses = 0;
  closed = false;

  constructor(now: () => number = () => 0) {
    this.#out = new FeedSubjects(now);
  }

  get changes$(): Observable<FeedChange> {
    return this.#out.changes$;
  }

  get status$(): Observable<LinkStatus> {
    return this.#out.status$;
  }

  get warnings$(): Observable<Error> {
    return this.#out.warnings$;
  }

  /** The feed read these events (in `messages` messages, default one each). */
  events(events: readonly JfsEvent[], messages = events.length): void {
    this.#out.events(events, messages);
  }

  gap(reason: GapReason): void {
    this.#out.gap(reason);
  }

  invalid(count: number): void {
    this.#out.invalid(count);
  }

  ready(): void {
    this.#out.ready();
  }

  down(delayMs: number, error: Error): void {
    this.#out.reconnecting(delayMs, error);
  }

  warn(error: Error): void {
    this.#out.warn(error);
  }

  pause(): void {
    if (!this.paused) this.pauses++;
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  close(): Promise<void> {
    this.closed = true;
    this.#out.close();
    return Promise.resolve();
  }
}

/** A registry that keeps the registered node paths in a set. */
export class MemoryRegistry implements ProxyRegistry {
  readonly paths = new Set<string>();
  closed = false;

  add(nodePath: string): void {
    this.paths.add(nodePath);
  }

  remove(nodePath: string): void {
    this.paths.delete(nodePath);
  }

  close(): Promise<void> {
    this.closed = true;
    this.paths.clear();
    return Promise.resolve();
  }
}
