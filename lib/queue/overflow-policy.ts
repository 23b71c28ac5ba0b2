import { Action } from '../events/action.ts';
import { createEvent, type Event, type EventType } from '../events/event.ts';
import type { ResolvedBatchOptions } from './batch-options.ts';
import { PendingBuffer } from './pending-buffer.ts';
import type { QueueCounters } from './queue-counters.ts';
import { OverflowError } from './queue-errors.ts';

/**
 * What a {@link Batcher} does with an event that finds its pending buffer
 * full (`capacity`), as the `overflow` option says: `'force-reload'` collapses
 * everything pending into one ForceReload per event type (later events of
 * those types are covered by it until it is taken), `'drop-oldest'`,
 * `'drop-newest'`, or `'error'` (reported once until the next batch). Every
 * event it drops is counted; the reloads it makes are not events anybody
 * sent, so they are never counted as dropped.
 */
export class OverflowPolicy {
  readonly #options: ResolvedBatchOptions;
  readonly #counters: QueueCounters;
  readonly #report: (error: OverflowError) => void;
  /** Types collapsed into a pending ForceReload: their events are covered until it is taken. */
  #absorbed: Set<EventType> | null = null;
  #reported = false;
  /** The ForceReloads collapses made. */
  readonly #synthetic = new WeakSet<Event>();

  constructor(
    options: ResolvedBatchOptions,
    counters: QueueCounters,
    report: (error: OverflowError) => void,
  ) {
    this.#options = options;
    this.#counters = counters;
    this.#report = report;
  }

  /** Whether events of `type` are covered by a pending ForceReload of a collapse (dropped). */
  absorbs(type: EventType): boolean {
    return this.#absorbed?.has(type) === true;
  }

  /** A batch was taken: the collapse's reloads went with it; the next overflow is reported again. */
  taken(): void {
    this.#absorbed = null;
    this.#reported = false;
  }

  /** Whether `event` is a reload a collapse made. */
  readonly isSynthetic = (event: Event): boolean => this.#synthetic.has(event);

  /** `event` did not fit in `buffer`: applies the policy and returns the buffer to go on with. */
  apply(buffer: PendingBuffer, event: Event): PendingBuffer {
    switch (this.#options.overflow) {
      case 'drop-oldest': {
        const oldest = buffer.dropHead();
        if (oldest !== undefined) this.#counters.dropped(oldest.type, 1);
        buffer.add(event, this.#options.capacity);
        return buffer;
      }
      case 'error':
        if (!this.#reported) {
          this.#reported = true;
          this.#report(new OverflowError(this.#options.capacity));
        }
        this.#counters.dropped(event.type, 1);
        return buffer;
      case 'drop-newest':
        this.#counters.dropped(event.type, 1);
        return buffer;
      case 'force-reload':
        return this.#collapse(buffer, event);
    }
  }

  /** Replaces every pending event, and `event`, by one ForceReload per event type. */
  #collapse(pending: PendingBuffer, event: Event): PendingBuffer {
    const types = [...pending.typeCounts(() => false).keys()];
    if (!types.includes(event.type)) types.push(event.type);
    // Reloads of an earlier collapse are not events anybody sent: they are not counted as dropped.
    for (const [type, count] of pending.typeCounts(this.isSynthetic)) {
      this.#counters.dropped(type, count);
    }
    this.#counters.dropped(event.type, 1);
    // The reloads take the numbers of the oldest collapsed events, so barriers wait for them.
    const buffer = new PendingBuffer(this.#options.coalesce, pending.headSeq);
    const time = this.#options.scheduler.now();
    const actorAttributes = Object.freeze({ reason: 'overflow' });
    for (const type of types) {
      const action = Action.ForceReload;
      const reload = createEvent({ type, actorName: '', action, actorAttributes, time });
      this.#synthetic.add(reload);
      buffer.add(reload, Number.POSITIVE_INFINITY);
    }
    this.#absorbed = new Set(types);
    return buffer;
  }
}
