import { EventSource } from '../event-source.ts';
import { type DockerSourceOptions, resolveDockerSourceOptions } from './docker-source-options.ts';
import { DockerWatch } from './docker-watch.ts';

/**
 * Container events from dockerd, as a shared {@link EventSource} of `docker` events. Subscribing
 * opens `/events` (container events only, plus the `labels`/`containers`/`events` filters, applied
 * by the daemon); each lifecycle action is mapped with `dockerActionMap` (others are dropped and
 * counted as `unmapped`). The stream is read as fast as the socket delivers.
 *
 * When the stream ends or fails it reconnects with the `retry` policy and resumes with
 * `since` = the newest event's time to the nanosecond, dropping replayed duplicates. It emits a
 * ForceReload only when the daemon's buffer no longer holds that event (it overflowed, or the
 * daemon restarted), i.e. when events may have been missed. Problems along the way are warnings
 * (`warnings$`, counted); status goes `connecting` -> `ready` -> `reconnecting` -> `connecting` -> `ready`...
 * (`attempt` as `LinkStatus` says)
 * The last subscriber leaving aborts the request and releases every socket and timer.
 *
 * Counters in `stats()`: `events`, `warnings`, `reconnects`, `forceReloads`, `duplicates`,
 * `unmapped`, `malformed`.
 *
 * @throws OptionsError when an option is misspelled or out of range.
 * @example
 * const queue = new EventQueue({ onFlush: (batch) => reload(batch) });
 * queue.start(dockerSource({ labels: ['proxy.enable=true'], initialState: 'force-reload' }));
 */
export function dockerSource(options: DockerSourceOptions = {}): EventSource {
  const resolved = resolveDockerSourceOptions(options);
  return new EventSource('docker', (context) => {
    const watch = new DockerWatch(resolved, context);
    watch.start();
    return () => watch.close();
  });
}
