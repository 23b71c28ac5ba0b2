import { BatchwatchError } from '../errors.ts';

/**
 * The kernel's inotify queue was full (`fs.inotify.max_queued_events`):
 * the kernel dropped events, which Node does not report. Reported as a
 * warning just before the watched tree is read again and every difference
 * reported, so nothing is lost; the message says how to make it rarer.
 */
export class InotifyOverflowError extends BatchwatchError {
  override readonly name = 'InotifyOverflowError';
  override readonly code = 'BATCHWATCH_INOTIFY_OVERFLOW';
  /** The watched directory that was read again. */
  readonly path: string;
  /** How many events were read at once. */
  readonly events: number;
  /** `fs.inotify.max_queued_events`. */
  readonly limit: number;

  constructor(path: string, events: number, limit: number) {
    super(
      `The inotify event queue overflowed (${events} events read at once, ` +
        `fs.inotify.max_queued_events = ${limit}): the kernel dropped events, so ${path} is read ` +
        'again and every difference reported. To make it rarer, raise the limit ' +
        '(sysctl -w fs.inotify.max_queued_events=1048576, and in /etc/sysctl.conf) or keep the ' +
        "process's event loop from blocking for long.",
    );
    this.path = path;
    this.events = events;
    this.limit = limit;
  }
}
