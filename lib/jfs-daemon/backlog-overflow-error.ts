import { JfsServerError } from '../errors.ts';

/**
 * The daemon's backlog is full: Redis has been away (or refusing writes)
 * for longer than `maxBacklog` changes, so the oldest waiting changes are
 * dropped until it takes writes again. The gap is marked in the stream
 * (`daemon-overflow`), so every proxy resyncs its clients: nothing is lost
 * silently. A warning, given once an outage.
 */
export class BacklogOverflowError extends JfsServerError {
  override readonly name = 'BacklogOverflowError';
  override readonly code = 'BATCHWATCH_JFS_BACKLOG_OVERFLOW';
  /** The bound that was reached (`maxBacklog`). */
  readonly maxBacklog: number;

  constructor(maxBacklog: number) {
    super(
      `${maxBacklog} changes are waiting for Redis: the oldest are dropped until it takes writes again (the gap is marked in the stream, so that readers resync). Make Redis reachable and writable, or raise maxBacklog (--max-backlog) to ride out longer outages.`,
    );
    this.maxBacklog = maxBacklog;
  }
}
