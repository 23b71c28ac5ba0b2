import { describeCause } from '../describe.ts';
import { BatchwatchError } from '../errors.ts';

/**
 * A metric could not be registered: the registry already holds a metric of
 * that name with other label names, buckets or type, one not made by
 * batchwatch, or a series with the same label values (two queues, or two
 * sources of one name, that nothing tells apart). Nothing was registered.
 */
export class MetricsConflictError extends BatchwatchError {
  override readonly name = 'MetricsConflictError';
  override readonly code = 'BATCHWATCH_METRICS_CONFLICT';
  /** The full metric name (`batchwatch_queue_events_received_total`). */
  readonly metric: string;
  /** The constant labels of the series that could not be added. */
  readonly labels: Readonly<Record<string, string>>;

  constructor(
    metric: string,
    labels: Readonly<Record<string, string>>,
    reason: string,
    cause?: unknown,
  ) {
    super(
      `Cannot register metric ${metric}${formatLabels(labels)}: ${reason}. Give each queue, ` +
        'source, proxy or router distinct labels (or a name), or use another prefix or registry.',
      { cause },
    );
    this.metric = metric;
    this.labels = labels;
  }
}

/**
 * Reading a member's value at scrape time threw (its `stats()`, or a value
 * getter): that member's series are left out of the scrape, the others are
 * exposed. Reported once per member through `process.emitWarning`.
 */
export class MetricsCollectError extends BatchwatchError {
  override readonly name = 'MetricsCollectError';
  override readonly code = 'BATCHWATCH_METRICS_COLLECT';
  /** The full metric name. */
  readonly metric: string;
  /** The constant labels of the member whose series were left out. */
  readonly labels: Readonly<Record<string, string>>;

  constructor(metric: string, labels: Readonly<Record<string, string>>, cause: unknown) {
    super(
      `Reading ${metric}${formatLabels(labels)} threw ${describeCause(cause)}: its series are ` +
        'left out of the scrape. Fix what it reads (stats(), status), or unregister it.',
      { cause },
    );
    this.metric = metric;
    this.labels = labels;
  }
}

function formatLabels(labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}=${JSON.stringify(value)}`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}
