import { tap } from 'rxjs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { type Event, EventQueue } from '../../../../lib/index.ts';
import { dockerSource } from '../../../../lib/sources/docker/docker-source.ts';
import { lifecycleBurst } from '../../../support/dockerd.ts';
import {
  Action,
  cliEvents,
  countOf,
  eventKey,
  removeRunContainers,
  sharedDockerd,
  testRun,
} from './support.ts';

const daemon = sharedDockerd();
const runs: string[] = [];
afterAll(async () => {
  for (const label of runs) await removeRunContainers(daemon, label);
});

/**
 * Docker showed each of `containers` go through create, start, kill, die, stop and destroy. A
 * loaded dockerd may send a second kill (SIGKILL after the stop's SIGTERM timed out: seen in a
 * CI run, 73 events for 12 containers), so what it showed is counted, not assumed.
 */
function expectLifecycles(truth: ReturnType<typeof cliEvents>, containers: number): void {
  const actions = truth.messages().map((m) => m.Action);
  for (const action of ['create', 'start', 'kill', 'die', 'stop', 'destroy']) {
    expect(actions.filter((a) => a === action).length).toBeGreaterThanOrEqual(containers);
  }
  expect(truth.expected().length).toBeGreaterThanOrEqual(6 * containers);
}

describe('dockerSource under load, against a real dockerd', () => {
  it('delivers exactly once every event docker events shows for 50 containers run 4 at a time', async () => {
    const { id, label } = testRun();
    runs.push(label);
    const flushed: Event[] = [];
    const queue = new EventQueue({
      flushInterval: 50,
      onFlush: (batch) => void flushed.push(...batch),
    });
    const source = dockerSource({ docker: { socketPath: daemon.socketPath }, labels: [label] });
    const truth = cliEvents(daemon, label);
    queue.start(source);
    try {
      await source.ready();
      const started = performance.now();
      await lifecycleBurst(daemon, label, `burst-${id}`, 50, 4);
      const burstMs = performance.now() - started;
      // Each container ends with its destroy: once both have 50, each has seen everything.
      await vi.waitFor(
        () => expect(truth.messages().filter((m) => m.Action === 'destroy')).toHaveLength(50),
        { timeout: 15_000 },
      );
      await vi.waitFor(() => expect(countOf(flushed, Action.ContainerDestroy)).toBe(50), {
        timeout: 15_000,
      });
      await queue.sync();
      const expected = truth.expected();
      expectLifecycles(truth, 50);
      const got = flushed.map(eventKey);
      expect(new Set(got).size).toBe(got.length);
      expect([...got].sort()).toEqual([...expected].sort());
      expect(source.stats()).toMatchObject({
        events: expected.length,
        duplicates: 0,
        malformed: 0,
        reconnects: 0,
      });
      console.log(
        `[docker-burst] 50 containers x 4 CLI steps, 4 at a time: ${Math.round(burstMs)} ms`,
      );
    } finally {
      await truth.stop();
      await queue.drain();
    }
  });

  it('loses nothing when the consumer is slow (onFlush takes 2 s)', async () => {
    const { id, label } = testRun();
    runs.push(label);
    const flushed: Event[] = [];
    const flushWindows: Array<[number, number]> = [];
    const arrivals: number[] = [];
    const queue = new EventQueue({
      flushInterval: 20,
      onFlush: async (batch) => {
        const start = performance.now();
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        flushed.push(...batch);
        flushWindows.push([start, performance.now()]);
      },
    });
    const source = dockerSource({ docker: { socketPath: daemon.socketPath }, labels: [label] });
    const truth = cliEvents(daemon, label);
    queue.start(source.pipe(tap(() => arrivals.push(performance.now()))));
    try {
      await source.ready();
      await lifecycleBurst(daemon, label, `slow-${id}`, 12, 4);
      await vi.waitFor(
        () => expect(truth.messages().filter((m) => m.Action === 'destroy')).toHaveLength(12),
        { timeout: 15_000 },
      );
      await vi.waitFor(() => expect(countOf(flushed, Action.ContainerDestroy)).toBe(12), {
        timeout: 20_000,
      });
      await queue.sync();
      const expected = truth.expected();
      expectLifecycles(truth, 12);
      expect([...flushed.map(eventKey)].sort()).toEqual([...expected].sort());
      // The source kept reading while a flush was running: events arrived during a 2 s flush.
      const duringFlush = arrivals.filter((t) =>
        flushWindows.some(([start, end]) => t > start && t < end),
      );
      expect(duringFlush.length).toBeGreaterThan(0);
      for (const [start, end] of flushWindows) expect(end - start).toBeGreaterThanOrEqual(1_990);
    } finally {
      await truth.stop();
      await queue.drain();
    }
  });
});
