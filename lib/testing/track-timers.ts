import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';

/** A scheduler that counts the actions it has scheduled and that have neither run nor been cancelled. */
export interface TrackedScheduler extends SchedulerLike {
  /** Timers scheduled and still waiting. */
  readonly active: number;
}

/**
 * Wraps a scheduler to count live timers, to prove that nothing is left
 * running while idle or after close. Actions that reschedule themselves
 * (`this.schedule()` inside the work) are not counted again.
 *
 * @example const timers = trackTimers(testScheduler); new EventQueue({ scheduler: timers });
 */
export function trackTimers(inner: SchedulerLike): TrackedScheduler {
  const live = new Set<Subscription>();
  return {
    now: () => inner.now(),
    get active() {
      return live.size;
    },
    schedule<T>(
      work: (this: SchedulerAction<T>, state?: T) => void,
      delay?: number,
      state?: T,
    ): Subscription {
      let subscription: Subscription | undefined;
      let ran = false;
      subscription = inner.schedule(
        function (this: SchedulerAction<T>, value?: T) {
          ran = true;
          if (subscription !== undefined) live.delete(subscription);
          work.call(this, value);
        },
        delay,
        state,
      );
      if (!ran && !subscription.closed) {
        const tracked = subscription;
        live.add(tracked);
        tracked.add(() => live.delete(tracked));
      }
      return subscription;
    },
  };
}
