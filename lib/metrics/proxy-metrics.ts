import type { JfsProxy, JfsProxyStats } from '../jfs-proxy/jfs-proxy.ts';
import type { LinkStatus } from '../status.ts';
import { defineMetrics, type MetricsHandle } from './define-metrics.ts';
import type { Collect } from './metric-family.ts';
import { type MetricsOptions, resolveMetricsOptions } from './metrics-options.ts';

// Spelled as an object so that the compiler fails here when LinkStatus gains a kind (a proxy's
// Redis link is never idle: it connects at once).
const redisStatuses = Object.keys({
  connecting: true,
  ready: true,
  reconnecting: true,
  closed: true,
} satisfies Record<Exclude<LinkStatus['kind'], 'idle'>, true>);

/**
 * Exposes a {@link JfsProxy}'s counters for Prometheus, read from
 * `proxy.stats()` at scrape time (metric names with the default prefix
 * `batchwatch_`):
 *
 * - gauges `proxy_open_connections`, `proxy_watched_paths`, and
 *   `proxy_redis_status{status}` (1 for the current state of the Redis link:
 *   `connecting`, `ready`, `reconnecting`, `closed`; 0 for the others);
 * - counters `proxy_connections_accepted_total`,
 *   `proxy_frames_received_total`, `proxy_frames_sent_total`,
 *   `proxy_malformed_frames_total`, `proxy_events_delivered_total`,
 *   `proxy_writes_debounced_total`, `proxy_slow_clients_dropped_total`,
 *   `proxy_redis_messages_total`, `proxy_invalid_notify_entries_total`,
 *   `proxy_resyncs_total{reason}` (gaps in the feed that could not be proven
 *   empty: `daemon-start`, `daemon-overflow`, `trimmed`, `redis-restart`,
 *   `resubscribe`, `proxy-start`);
 * - gauge `proxy_stream_lag_seconds` (how far the proxy is behind the
 *   stream's newest entry, from Redis's clock alone: the newest entry id's
 *   time minus that of the last entry read; 0 when caught up);
 *
 * `unregister()` removes the series and the `redisStatus$` subscription.
 *
 * @throws OptionsError for bad options; MetricsConflictError when the registry
 *   already holds these series (give a second proxy distinct `labels`).
 * @example
 * const proxy = await JfsProxy.start(options);
 * proxyMetrics(proxy, { registry });
 */
export function proxyMetrics(
  proxy: Pick<JfsProxy, 'stats' | 'redisStatus$'>,
  options: MetricsOptions = {},
): MetricsHandle {
  const resolved = resolveMetricsOptions(options);
  const stat =
    (field: Exclude<keyof JfsProxyStats, 'resyncs'>): Collect =>
    (emit) =>
      emit({}, proxy.stats()[field]);
  return defineMetrics(resolved, resolved.labels, (set) => {
    set.gauge('proxy_open_connections', 'Open client connections.', [], stat('connections'));
    set.counter(
      'proxy_connections_accepted_total',
      'Client connections accepted.',
      [],
      stat('connectionsTotal'),
    );
    set.counter(
      'proxy_frames_received_total',
      'Frames received from clients.',
      [],
      stat('framesIn'),
    );
    set.counter('proxy_frames_sent_total', 'Frames sent to clients.', [], stat('framesOut'));
    set.counter(
      'proxy_malformed_frames_total',
      'Frames from clients that could not be decoded and were dropped.',
      [],
      stat('malformedFrames'),
    );
    set.counter(
      'proxy_events_delivered_total',
      'Events sent to clients.',
      [],
      stat('eventsDelivered'),
    );
    set.counter(
      'proxy_writes_debounced_total',
      'Write events merged into a later write by the per-connection debounce.',
      [],
      stat('debounced'),
    );
    set.counter(
      'proxy_slow_clients_dropped_total',
      'Clients disconnected because they did not read fast enough.',
      [],
      stat('droppedClients'),
    );
    set.counter(
      'proxy_redis_messages_total',
      'Messages received from the Redis notify channel.',
      [],
      stat('redisMessages'),
    );
    set.counter(
      'proxy_invalid_notify_entries_total',
      'Entries of Redis notify messages that were not valid events.',
      [],
      stat('invalidNotifyEntries'),
    );
    set.gauge(
      'proxy_watched_paths',
      'Node paths watched by at least one client.',
      [],
      stat('watchedPaths'),
    );
    set.counter(
      'proxy_resyncs_total',
      'Gaps in the Redis feed that could not be proven empty (each disconnected every client), by reason.',
      ['reason'],
      (emit) => {
        for (const [reason, count] of Object.entries(proxy.stats().resyncs))
          emit({ reason }, count);
      },
    );
    set.gauge(
      'proxy_stream_lag_seconds',
      "How far the proxy is behind the stream's newest entry, in Redis's own time (entry ids); 0 when caught up.",
      [],
      (emit) => emit({}, proxy.stats().streamLagMs / 1000),
    );
    let redis: LinkStatus['kind'] = 'connecting';
    set.gauge(
      'proxy_redis_status',
      'The state of the link to Redis: 1 for the current one, 0 for the others.',
      ['status'],
      (emit) => {
        for (const status of redisStatuses) emit({ status }, status === redis ? 1 : 0);
      },
    );
    // The status completes when the proxy closes (also when it had closed before this call).
    const subscription = proxy.redisStatus$.subscribe({
      next: (status) => {
        redis = status.kind;
      },
      complete: () => {
        redis = 'closed';
      },
    });
    return () => subscription.unsubscribe();
  });
}
