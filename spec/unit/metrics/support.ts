// Shared pieces of the metrics specs: a manual clock for queues, and a scrape of a registry through
// the strict text-format parser.
import type { Registry } from 'prom-client';
import { VirtualTimeScheduler } from 'rxjs';
import { type Family, parsePrometheusText } from './prometheus-text.ts';

/** A virtual clock: time moves only when `advance` is called, running what falls due on the way. */
export interface ManualClock {
  readonly scheduler: VirtualTimeScheduler;
  /** Moves time forward by `ms`, running every action due until then. */
  advance(ms: number): void;
}

export function manualClock(): ManualClock {
  const scheduler = new VirtualTimeScheduler();
  return {
    scheduler,
    advance: (ms) => {
      scheduler.schedule(() => {}, ms);
      scheduler.maxFrames = scheduler.now() + ms;
      scheduler.flush();
    },
  };
}

/** Renders `registry` in the text format and parses it back. */
export async function scrape(registry: Registry): Promise<Map<string, Family>> {
  return parsePrometheusText(await registry.metrics());
}
