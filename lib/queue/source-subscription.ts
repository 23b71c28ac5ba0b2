import type { Subscribable } from 'rxjs';
import { Subscription } from 'rxjs/internal/Subscription';
import type { Event } from '../events/event.ts';

/**
 * What `queue.start()` accepts: any subscribable of events. One that also has
 * a `warnings$` (every batchwatch source does) has its warnings passed on.
 */
export type QueueSource = Subscribable<Event> & { readonly warnings$?: Subscribable<unknown> };

/** Where the sources' events, warnings and ends go, with the source's index. Called unbound. */
export interface SourceHandlers {
  readonly event: (event: Event) => void;
  readonly warning: (sourceIndex: number, warning: unknown) => void;
  readonly error: (sourceIndex: number, error: unknown) => void;
  readonly complete: (sourceIndex: number) => void;
}

/**
 * Subscribes to a source and to its `warnings$`, if it has one; warnings
 * first, so that a warning raised while subscribing is not missed. When the
 * source ends, its warnings are released too.
 */
export function subscribeSource(
  source: QueueSource,
  index: number,
  handlers: SourceHandlers,
): Subscription {
  const subscription = new Subscription();
  const warnings = warningsOf(source);
  if (warnings !== null) {
    subscription.add(warnings.subscribe({ next: (warning) => handlers.warning(index, warning) }));
  }
  subscription.add(
    source.subscribe({
      // Unwrapped: this runs once per event.
      next: handlers.event,
      error: (err: unknown) => {
        subscription.unsubscribe();
        handlers.error(index, err);
      },
      complete: () => {
        subscription.unsubscribe();
        handlers.complete(index);
      },
    }),
  );
  return subscription;
}

function warningsOf(source: QueueSource): Subscribable<unknown> | null {
  const warnings = source.warnings$;
  return typeof warnings?.subscribe === 'function' ? warnings : null;
}
