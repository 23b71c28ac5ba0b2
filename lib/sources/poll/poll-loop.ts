import type { TeardownLogic, Unsubscribable } from 'rxjs';
import { describe } from '../../describe.ts';
import type { Event } from '../../events/event.ts';
import { RetryLoop } from '../../retry-loop.ts';
import { settle } from '../../settle.ts';
import type { SourceContext } from '../event-source.ts';
import {
  CompactedError,
  PollFailedError,
  PollFetchError,
  PollMappingError,
  RevisionError,
} from './poll-errors.ts';
import type { PollRecord, PollResponse, ResolvedPollSourceOptions } from './poll-source-options.ts';
import { parseRevision, type Revision } from './revision.ts';

/** What a poll loop tells its source beyond the {@link SourceContext}. */
export interface PollReporter {
  /** Whether the last delivered revision has reached the server's current one. */
  caughtUp(value: boolean): void;
  /** The revision the next fetch asks after. */
  revision(value: Revision | null): void;
}

/**
 * The producer of a poll source, for one subscription: fetch, deliver, wait,
 * again. At most one thing is pending at any time (a fetch or a timer), so
 * the teardown releases everything by cancelling it and aborting the signal.
 */
export function startPolling<Raw extends PollRecord>(
  options: ResolvedPollSourceOptions<Raw>,
  context: SourceContext,
  report: PollReporter,
): TeardownLogic {
  const { fetch, toEvent, scheduler, interval, maxRetries } = options;
  const { signal, log } = context;
  let since: Revision | null = options.startRevision;
  let sinceValue: bigint | null = since === null ? null : BigInt(since);
  let ready = false;
  /** The fetch in flight or the wait before the next poll; a retry waits in `retry` instead. */
  let pending: Unsubscribable | null = null;
  const retry = new RetryLoop({ policy: options.retry, option: 'retry', scheduler, maxRetries });

  const release = (): void => {
    pending?.unsubscribe();
    pending = null;
    retry.cancel();
  };

  const fatal = (error: Error): void => {
    release();
    context.error(error);
  };

  const schedule = (delay: number): void => {
    pending = scheduler.schedule(poll, delay);
  };

  const failed = (cause: unknown): void => {
    ready = false;
    context.count('failures');
    // The retry policy is user code: the retry loop survives it and caps what it answers.
    const step = retry.failed((attempt) => {
      context.status({ kind: 'connecting', attempt });
      poll();
    });
    if (!step.retry) {
      fatal(new PollFailedError(step.attempt, cause));
      return;
    }
    const { attempt, delay } = step;
    const warning = new PollFetchError(attempt, delay, cause);
    context.warn(warning);
    context.status({ kind: 'reconnecting', attempt, delayMs: delay, error: warning });
  };

  const received = (answer: PollResponse<Raw>): void => {
    // The response is user data: read it once, into plain values, before trusting any of it.
    const response = snapshot<Raw>(answer);
    if (response instanceof Error) {
      failed(response);
      return;
    }
    const current = parseRevision(response.currentRevision);
    if (current === null) {
      fatal(new RevisionError('currentRevision', response.currentRevision));
      return;
    }
    const compactRevision = response.compactRevision;
    const compact = compactRevision === undefined ? null : parseRevision(compactRevision);
    if (compactRevision !== undefined && compact === null) {
      fatal(new RevisionError('compactRevision', compactRevision));
      return;
    }
    if (
      compactRevision !== undefined &&
      compact !== null &&
      ((sinceValue !== null && sinceValue < compact) || current < compact)
    ) {
      fatal(new CompactedError(since, response.currentRevision, compactRevision));
      return;
    }
    // Map the whole response before delivering any of it, so that a bad change fails the
    // stream before the cursor moves past changes the consumer never saw.
    const fresh: [Revision, bigint, Event][] = [];
    if (sinceValue === null) {
      if (response.events.length > 0) context.count('skipped', response.events.length);
      since = response.currentRevision;
      sinceValue = current;
    } else {
      let last = sinceValue;
      for (const [index, raw] of response.events.entries()) {
        const given = revisionOf(raw);
        const revision = parseRevision(given);
        if (revision === null) {
          fatal(new RevisionError(`events[${index}].revision`, given));
          return;
        }
        if (revision <= last) {
          context.count('duplicates');
          continue;
        }
        last = revision;
        let event: Event;
        try {
          event = toEvent(raw);
          if (!isEventLike(event)) {
            throw new TypeError(`toEvent returned ${describe(event)} instead of an Event`);
          }
        } catch (err) {
          fatal(new PollMappingError(given as string, err));
          return;
        }
        fresh.push([given as Revision, revision, event]);
      }
    }
    retry.succeeded();
    context.count('polls');
    if (!ready) {
      ready = true;
      context.status({ kind: 'ready', since: scheduler.now() });
    }
    for (const [revision, value, event] of fresh) {
      since = revision;
      sinceValue = value;
      context.next(event);
      if (signal.aborted) return;
    }
    report.revision(since);
    const caughtUp = sinceValue >= current;
    report.caughtUp(caughtUp);
    log('revision %s of %s%s', since, response.currentRevision, caughtUp ? '' : ' (catching up)');
    // A page that made progress but stopped short of the current revision is followed at once;
    // one without progress (a lagging server) waits, so that the source never spins.
    schedule(!caughtUp && fresh.length > 0 ? 0 : interval);
  };

  function poll(): void {
    pending = null;
    const request = { sinceRevision: since ?? undefined, signal };
    let settled = false;
    let fetching: Unsubscribable | null = null;
    const settle = (outcome: { response: PollResponse<Raw> } | { error: unknown }): void => {
      if (settled || signal.aborted) return;
      settled = true;
      fetching?.unsubscribe();
      if (pending === fetching) pending = null;
      if ('response' in outcome) received(outcome.response);
      else failed(outcome.error);
    };
    // settle() survives whatever fetch throws, rejects, errors or returns, and answers once.
    const work = settleFetch<Raw>(
      () => fetch(request),
      (outcome) => settle(outcome),
    );
    if (work !== null) {
      if (settled) work.unsubscribe();
      else pending = fetching = work;
    }
  }

  report.caughtUp(false);
  report.revision(since);
  poll();
  return release;
}

/** A plain copy of a response (its events array and revisions), or the error reading it raised. */
function snapshot<Raw extends PollRecord>(value: unknown): PollResponse<Raw> | Error {
  const malformed = (): TypeError =>
    new TypeError('fetch resolved to something other than { events: [], currentRevision }');
  try {
    if (!isResponse(value)) return malformed();
    const { currentRevision, compactRevision } = value;
    const events = Array.from(value.events) as Raw[];
    return compactRevision === undefined
      ? { events, currentRevision }
      : { events, currentRevision, compactRevision };
  } catch (err) {
    const error = malformed();
    error.message += ` (reading it threw ${describe(err)})`;
    return error;
  }
}

/** `raw.revision`, or `undefined` when reading it throws (reported as a bad revision). */
function revisionOf(raw: unknown): unknown {
  try {
    return (raw as { revision?: unknown } | null)?.revision;
  } catch {
    return undefined;
  }
}

function isResponse(value: unknown): value is PollResponse<PollRecord> {
  const response = value as PollResponse | null;
  return typeof response === 'object' && response !== null && Array.isArray(response.events);
}

/** An event's required shape, read without trusting it: a getter may throw (caught by the caller). */
function isEventLike(value: unknown): value is Event {
  const event = value as Partial<Event> | null;
  return (
    typeof event === 'object' &&
    event !== null &&
    typeof event.type === 'string' &&
    typeof event.action === 'number'
  );
}

/** Runs `fetch` through `settle()`, turning each way it can answer into a response or an error. */
function settleFetch<Raw extends PollRecord>(
  run: () => unknown,
  done: (outcome: { response: PollResponse<Raw> } | { error: unknown }) => void,
): Unsubscribable | null {
  return settle(
    run,
    (outcome) => {
      if (!outcome.ok) {
        done({ error: outcome.cause });
      } else if (outcome.via === 'return') {
        done({ error: new TypeError('fetch returned neither a promise nor an Observable') });
      } else {
        done({ response: outcome.value as PollResponse<Raw> });
      }
    },
    { first: true, emptyMessage: 'fetch completed without a response' },
  );
}
