import type { OperatorFunction } from 'rxjs';
import { Observable } from 'rxjs/internal/Observable';
import type { Event } from '../events/event.ts';
import { optionNames, rejectUnknownOptions, resolveFunction } from '../options.ts';
import { type BatchOptions, batchOptionNames, resolveBatchOptions } from './batch-options.ts';
import { Batcher } from './batcher.ts';
import { QueueCounters } from './queue-counters.ts';
import type { OverflowError } from './queue-errors.ts';

/** Options of {@link batchEvents}: the batching rules, and what to do with refused events. */
export interface BatchEventsOptions extends BatchOptions {
  /**
   * Called when the `'error'` overflow policy refuses events. Default: the
   * output errors with the `OverflowError`.
   */
  readonly onOverflow?: (error: OverflowError) => void;
}

const batchEventsOptionNames = [
  ...batchOptionNames,
  ...optionNames({ onOverflow: true } satisfies Record<
    Exclude<keyof BatchEventsOptions, keyof BatchOptions>,
    true
  >),
];

/**
 * Groups events into batches. A window opens at the first event after idle
 * and closes `flushInterval` ms later (with `quiet`: once no event came for
 * `quiet` ms, at most `maxWait` ms after it opened), or as soon as
 * `maxBatch` events are pending; no timer runs while idle and no empty batch
 * is emitted. Batches are emitted from the scheduler, never from inside the
 * source's `next`.
 * When the source completes, what is pending is emitted, then the output
 * completes; when it errors, the error is passed on at once (pending events
 * are dropped, as with `bufferTime`).
 *
 * @example
 * events$.pipe(batchEvents({ flushInterval: 300, coalesce: true })).subscribe(reload);
 * build$.pipe(batchEvents({ quiet: 200, maxWait: 5000 })).subscribe(redeploy); // one batch per burst
 * @throws OptionsError when an option is out of range, contradicts another or is misspelled.
 */
export function batchEvents(
  options: BatchEventsOptions = {},
): OperatorFunction<Event, readonly Event[]> {
  rejectUnknownOptions(options, batchEventsOptionNames);
  const resolved = resolveBatchOptions(options);
  const onOverflow =
    options.onOverflow === undefined
      ? null
      : resolveFunction<(error: OverflowError) => void>(
          'onOverflow',
          options.onOverflow,
          '(error) => void',
        );
  // State and teardown in one closure per subscription, as rxjs's bufferTime and debounceTime.
  return (source) =>
    new Observable<readonly Event[]>((subscriber) => {
      const engine = new Batcher(resolved, new QueueCounters(), {
        emit: (taken) => subscriber.next(taken.events),
        overflow: onOverflow ?? ((error) => subscriber.error(error)),
        drained: () => subscriber.complete(),
        emptied: () => {},
      });
      const input = source.subscribe({
        next: (event) => engine.add(event),
        error: (err: unknown) => subscriber.error(err),
        complete: () => engine.complete(),
      });
      return () => {
        input.unsubscribe();
        engine.dispose();
      };
    });
}
