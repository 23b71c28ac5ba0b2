import { afterEach, describe, expect, it, vi } from 'vitest';
import { AcceptLagMeter } from '../../../lib/jfs-proxy/accept-lag.ts';

/** Lets one turn of the event loop pass (its check phase runs the meter's check). */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('AcceptLagMeter', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('bounds a lone connection by the timer’s second-to-last run', async () => {
    vi.useFakeTimers({ now: 0, toFake: ['setInterval', 'clearInterval', 'Date'] });
    const meter = new AcceptLagMeter();
    vi.advanceTimersByTime(100);
    expect(meter.accepted()).toBe(100); // no run yet: since it started (before it listened)
    await turn();
    await turn();
    vi.advanceTimersByTime(900); // runs at 250, 500, 750, 1000
    expect(meter.accepted()).toBe(250);
    meter.close();
  });

  it('bounds every connection of a streak of accepting turns by when the streak began', async () => {
    vi.useFakeTimers({ now: 0, toFake: ['setInterval', 'clearInterval', 'Date'] });
    const meter = new AcceptLagMeter();
    vi.advanceTimersByTime(1000);
    expect(meter.accepted()).toBe(250);
    // One connection a turn, as Node accepts them, while the loop stays responsive: each waited
    // since the streak began at the latest, however long the streak has lasted.
    for (const at of [1300, 1600, 2900]) {
      await turn();
      vi.setSystemTime(at);
      expect(meter.accepted()).toBe(at - 750);
    }
    // A turn that accepted nothing ends the streak: the next connection came after it.
    await turn();
    await turn();
    vi.advanceTimersByTime(1000);
    expect(meter.accepted()).toBeLessThanOrEqual(500);
    meter.close();
  });

  it('grows with a blocked event loop', () => {
    const meter = new AcceptLagMeter();
    const start = Date.now();
    // The loop is blocked for 600 ms: no timer can run, and a connection accepted now may have
    // waited that long in the kernel's queue.
    while (Date.now() - start < 600);
    expect(meter.accepted()).toBeGreaterThanOrEqual(600);
    meter.close();
  });
});
