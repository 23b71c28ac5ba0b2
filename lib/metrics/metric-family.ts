import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsCollectError, MetricsConflictError } from './metrics-errors.ts';
import type { MetricsRegistry } from './metrics-options.ts';

/** Label values of one series. */
export type Labels = Readonly<Record<string, string>>;

/** Reports one member's series at scrape time: `emit` once per series, with its varying labels. */
export type Collect = (emit: (labels: Labels, value: number) => void) => void;

/** How a metric is exposed. */
export interface MetricSpec {
  /** The full name, prefix included. */
  readonly name: string;
  readonly help: string;
  readonly kind: 'counter' | 'gauge' | 'histogram';
  /** Labels that vary between the series of one member (`type`, `status`); the member's own come on top. */
  readonly seriesLabels: readonly string[];
  /** Histograms only: the bucket upper bounds. */
  readonly buckets?: readonly number[];
}

/** One member's part of a shared metric. */
export interface Attachment {
  /** Records an observation (histograms); does nothing once detached. */
  observe(labels: Labels, value: number): void;
  /** Removes the member's series; the metric leaves the registry with its last member. Idempotent. */
  detach(): void;
}

interface Member {
  readonly labels: Labels;
  readonly collect: Collect | null;
}

interface Family {
  readonly spec: MetricSpec;
  readonly labelNames: readonly string[];
  readonly metric: Counter | Gauge | Histogram;
  readonly members: Map<string, Member>;
}

// A metric name can be registered once per registry, but several queues, sources or proxies may
// share it (told apart by their labels): each registry's metrics are shared families of members.
// Weakly keyed, so that a registry dropped by the app takes its families with it.
const familiesByRegistry = new WeakMap<MetricsRegistry, Map<string, Family>>();

/**
 * Adds a member (a queue, a source...) with constant `labels` to the metric
 * `spec` on `registry`, creating and registering the metric for the first
 * member. Counters and gauges read `collect` at scrape time; histograms are
 * fed through `observe`, and their `series` start at zero.
 *
 * @throws MetricsConflictError when the name is taken by another kind of
 *   metric, other label names or buckets, or a series with the same labels.
 */
export function attachMetric(
  registry: MetricsRegistry,
  spec: MetricSpec,
  labels: Labels,
  source: { readonly collect: Collect } | { readonly series: readonly Labels[] },
): Attachment {
  let families = familiesByRegistry.get(registry);
  if (families === undefined) {
    families = new Map();
    familiesByRegistry.set(registry, families);
  }
  const conflict = (reason: string): MetricsConflictError =>
    new MetricsConflictError(spec.name, labels, reason);
  const labelNames = [...Object.keys(labels), ...spec.seriesLabels].sort();
  let family = families.get(spec.name);
  const registered = registry.getSingleMetric(spec.name);
  if (family !== undefined && registered !== family.metric) {
    // registry.clear() or removeSingleMetric() took it away: its members are gone for the
    // registry, so start a new family (their handles still unregister harmlessly).
    families.delete(spec.name);
    family = undefined;
  }
  if (family === undefined) {
    if (registered !== undefined) {
      throw conflict(
        'the registry already holds a metric of that name that batchwatch did not make',
      );
    }
    family = createFamily(spec, labelNames);
    registry.registerMetric(family.metric);
    families.set(spec.name, family);
  } else {
    if (family.spec.kind !== spec.kind || !sameList(family.labelNames, labelNames)) {
      throw conflict(
        `it is registered as a ${family.spec.kind} with labels [${family.labelNames.join(', ')}]`,
      );
    }
    if (!sameList(family.spec.buckets ?? [], spec.buckets ?? [])) {
      throw conflict(`it is registered with buckets [${family.spec.buckets?.join(', ')}]`);
    }
  }
  const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
  if (family.members.has(key)) throw conflict('a series with these labels is already registered');
  const member: Member = { labels, collect: 'collect' in source ? source.collect : null };
  family.members.set(key, member);
  const histogram = family.metric instanceof Histogram ? family.metric : null;
  const series = 'series' in source ? source.series : [];
  for (const extra of series) histogram?.zero({ ...labels, ...extra });

  const owner = family;
  const owners = families;
  let attached = true;
  return {
    observe: (extra, value) => {
      if (attached) histogram?.observe({ ...labels, ...extra }, value);
    },
    detach: () => {
      if (!attached) return;
      attached = false;
      owner.members.delete(key);
      for (const extra of series) histogram?.remove({ ...labels, ...extra });
      if (owner.members.size > 0) return;
      if (registry.getSingleMetric(spec.name) === owner.metric) {
        registry.removeSingleMetric(spec.name);
      }
      if (owners.get(spec.name) === owner) owners.delete(spec.name);
    },
  };
}

function createFamily(spec: MetricSpec, labelNames: readonly string[]): Family {
  const members = new Map<string, Member>();
  const config = { name: spec.name, help: spec.help, labelNames, registers: [] };
  // Counters and gauges are rebuilt from every member's stats() at each scrape: the exposition
  // equals the snapshot, and a member that left leaves no series behind.
  // A member whose collect throws (its stats() is user code for sourceMetrics) loses its series
  // for that scrape only; the others are still exposed, and the scrape answers.
  const failing = new WeakSet<Member>();
  const each = (emit: (member: Member, labels: Labels, value: number) => void): void => {
    for (const member of members.values()) {
      const found: [Labels, number][] = [];
      try {
        member.collect?.((extra, value) => found.push([extra, value]));
      } catch (err) {
        if (!failing.has(member)) {
          failing.add(member);
          process.emitWarning(new MetricsCollectError(spec.name, member.labels, err));
        }
        continue;
      }
      failing.delete(member);
      for (const [extra, value] of found) emit(member, extra, value);
    }
  };
  let metric: Counter | Gauge | Histogram;
  switch (spec.kind) {
    case 'counter':
      metric = new Counter({
        ...config,
        collect() {
          this.reset();
          each((member, extra, value) => {
            // prom-client refuses to decrease a counter; a bad value must not fail the whole scrape.
            if (Number.isFinite(value) && value >= 0)
              this.inc({ ...member.labels, ...extra }, value);
          });
        },
      });
      break;
    case 'gauge':
      metric = new Gauge({
        ...config,
        collect() {
          this.reset();
          each((member, extra, value) => {
            if (typeof value === 'number') this.set({ ...member.labels, ...extra }, value);
          });
        },
      });
      break;
    case 'histogram':
      metric = new Histogram({ ...config, buckets: [...(spec.buckets ?? [])] });
      break;
  }
  return { spec, labelNames, metric, members };
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}
