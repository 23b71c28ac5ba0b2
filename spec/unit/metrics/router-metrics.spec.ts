import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { route } from '../../../lib/delivery/route.ts';
import { byType } from '../../../lib/delivery/route-key.ts';
import type { RouterError } from '../../../lib/delivery/router-errors.ts';
import { routerMetrics } from '../../../lib/metrics/router-metrics.ts';
import { dockerEvent, fileEvent } from '../../../lib/testing/index.ts';
import { sampleValue } from './prometheus-text.ts';
import { scrape } from './support.ts';

describe('routerMetrics', () => {
  it("exposes a router's stats(): handled, dead-lettered and unrouted events, pending parts", async () => {
    const registry = new Registry();
    const errors: RouterError[] = [];
    const router = route({
      key: (event) => (event.actorName === 'stray' ? undefined : byType(event)),
      handlers: {
        docker: () => {},
        file: () => {
          throw new Error('cannot reload');
        },
      },
      onError: (error) => errors.push(error),
    });
    const metrics = routerMetrics(router, { registry, labels: { router: 'main' } });
    await router([
      dockerEvent.start('a'),
      dockerEvent.stop('b'),
      fileEvent.written('/etc/a.yml'),
      dockerEvent.start('stray'),
    ]);
    const families = await scrape(registry);
    const labels = { router: 'main' };
    expect(errors.map((error) => error.name)).toEqual(['DeadLetterError']);
    expect(router.stats()).toMatchObject({ handled: 2, deadLettered: 1, unrouted: 1, pending: 0 });
    expect(sampleValue(families, 'batchwatch_router_events_handled_total', labels)).toBe(2);
    expect(sampleValue(families, 'batchwatch_router_events_dead_lettered_total', labels)).toBe(1);
    expect(sampleValue(families, 'batchwatch_router_events_unrouted_total', labels)).toBe(1);
    expect(sampleValue(families, 'batchwatch_router_key_errors_total', labels)).toBe(0);
    expect(sampleValue(families, 'batchwatch_router_retries_total', labels)).toBe(0);
    expect(sampleValue(families, 'batchwatch_router_timeouts_total', labels)).toBe(0);
    expect(sampleValue(families, 'batchwatch_router_pending_parts', labels)).toBe(0);
    expect(families.get('batchwatch_router_pending_parts')?.type).toBe('gauge');
    metrics.unregister();
    expect(registry.getMetricsAsArray()).toEqual([]);
    router.close();
  });
});
