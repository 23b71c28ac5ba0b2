import type { Observable } from 'rxjs';
import { BehaviorSubject } from 'rxjs/internal/BehaviorSubject';
import { distinctUntilChanged } from 'rxjs/internal/operators/distinctUntilChanged';
import { EventSource } from '../event-source.ts';
import { startPolling } from './poll-loop.ts';
import {
  type PollRecord,
  type PollSourceOptions,
  resolvePollSourceOptions,
} from './poll-source-options.ts';
import type { Revision } from './revision.ts';

/**
 * A revisioned change feed, polled: a shared {@link EventSource} with a
 * catch-up flag and the feed position. The first subscriber starts polling;
 * the last one to unsubscribe aborts the fetch in flight and any wait at once.
 *
 * Warnings: every failed fetch that will be retried is a `PollFetchError`
 * on `warnings$`, hot like every source's: it pushes to whoever listens and
 * keeps nothing, so the poller never waits for a reader.
 */
export class PollSource<Raw extends PollRecord = PollRecord> extends EventSource {
  /**
   * `false` from the start of each watch until the last delivered revision reaches
   * the server's current revision, then `true`; `false` again when a page
   * shows the feed ahead. Replays the current value.
   */
  readonly caughtUp$: Observable<boolean>;

  readonly #caughtUp: BehaviorSubject<boolean>;
  /** Shared with the producer, which is built before `this` exists. */
  readonly #position: { current: Revision | null };

  /** @throws OptionsError for a missing, misspelled or out-of-range option. */
  constructor(options: PollSourceOptions<Raw>) {
    const resolved = resolvePollSourceOptions(options);
    const caughtUp = new BehaviorSubject(false);
    const position = { current: resolved.startRevision };
    super('poll', (context) => {
      return startPolling(resolved, context, {
        caughtUp: (value) => caughtUp.next(value),
        revision: (value) => {
          position.current = value;
          // Saved after the page's events went to the queue: committed with them.
          if (value !== null) resolved.checkpoint?.setCheckpoint(resolved.checkpointName, value);
        },
      });
    });
    this.#caughtUp = caughtUp;
    this.caughtUp$ = caughtUp.pipe(distinctUntilChanged());
    this.#position = position;
  }

  /**
   * Where the feed is: the revision the next fetch asks after (the last
   * delivered one, `startRevision` before any, or the server's revision
   * learned by the first fetch of a source started "from now"). Persist it to
   * resume after a restart; `null` before a "from now" source's first answer.
   */
  get revision(): Revision | null {
    return this.#position.current;
  }

  /** Whether the last delivered revision has reached the server's current revision. */
  get caughtUp(): boolean {
    return this.#caughtUp.value;
  }
}

/**
 * Polls a revisioned change feed (etcd-, Kubernetes- or CloudTower-style)
 * through a caller-supplied `fetch`, every `interval` once caught up.
 * Revisions are decimal strings compared as big integers. A requested or
 * current revision older than the server's compaction revision is a fatal
 * `CompactedError` carrying `compactRevision` (re-list, then restart from
 * it); a failed fetch is a `PollFetchError` warning and is retried with
 * capped exponential backoff and jitter, until `maxRetries` failures in a
 * row end the stream with a `PollFailedError`. Status: `connecting`, `ready`
 * after the first good response, `reconnecting` while waiting for a retry and
 * `connecting` during it (`attempt` as `LinkStatus` says). Counters:
 * `polls`, `failures`, `duplicates` (changes at or below the last delivered
 * revision, dropped), `skipped` (changes in the first response of a source
 * started "from now").
 *
 * @throws OptionsError at once for bad options.
 * @example
 * const source = pollSource({
 *   fetch: ({ sinceRevision, signal }) =>
 *     fetch(`${base}/changes?since=${sinceRevision ?? ''}`, { signal }).then((r) => r.json()),
 *   toEvent: (change) => createEvent({ type: 'file', actorName: change.key, action: Action.FileWritten }),
 *   startRevision: saved ?? undefined,
 * });
 */
export function pollSource<Raw extends PollRecord>(
  options: PollSourceOptions<Raw>,
): PollSource<Raw> {
  return new PollSource(options);
}
