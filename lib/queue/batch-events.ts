import { Observable, type OperatorFunction } from 'rxjs';
import type { Event } from '../events/event.ts';
import { type BatchOptions, resolveBatchOptions } from './batch-options.ts';
import { Batcher } from './batcher.ts';
import type { OverflowError } from './queue-errors.ts';

/** Options of {@link batchEvents}: the batching rules, and hooks for consumers that pace themselves. */
export interface BatchEventsOptions extends BatchOptions {
  /**
   * A gate: while its latest value is `false`, due batches are held (and keep
   * collecting events, within `capacity`) until it turns `true`. Default:
   * always open.
   */
  readonly ready?: Observable<boolean>;
  /**
   * Called when the `'error'` overflow policy refuses events. Default: the
   * output errors with the `OverflowError`.
   */
  readonly onOverflow?: (error: OverflowError) => void;
  /** Receives the engine of each subscription, for its counters and for retries. */
  readonly onBatcher?: (batcher: Batcher) => void;
}

/**
 * Groups events into batches. A window opens at the first event after idle
 * and closes `flushInterval` ms later, or as soon as `maxBatch` events are
 * pending; no timer runs while idle and no empty batch is emitted. Batches
 * are emitted from the scheduler, never from inside the source's `next`.
 * When the source completes, what is pending is emitted, then the output
 * completes; when it errors, the error is passed on at once (pending events
 * are dropped, as with `bufferTime`).
 *
 * @example
 * events$.pipe(batchEvents({ flushInterval: 300, coalesce: true })).subscribe(reload);
 */
export function batchEvents(
  options: BatchEventsOptions = {},
): OperatorFunction<Event, readonly Event[]> {
  const resolved = resolveBatchOptions(options);
  const { ready, onOverflow, onBatcher } = options;
  return (source) =>
    new Observable<readonly Event[]>((subscriber) => {
      const batcher = new Batcher(resolved, {
        emit: (taken) => subscriber.next(taken.events),
        overflow: onOverflow ?? ((error) => subscriber.error(error)),
        drained: () => subscriber.complete(),
      });
      onBatcher?.(batcher);
      const gate = ready?.subscribe({
        next: (isReady) => batcher.setReady(isReady),
        error: (err: unknown) => subscriber.error(err),
      });
      const input = source.subscribe({
        next: (event) => batcher.add(event),
        error: (err: unknown) => subscriber.error(err),
        complete: () => batcher.complete(),
      });
      return () => {
        gate?.unsubscribe();
        input.unsubscribe();
        batcher.dispose();
      };
    });
}
