// `batchwatch watch --docker --state-dir DIR` (the real program, the private dockerd): killed with
// SIGKILL, what happened to containers while it was down is printed when it starts again, from
// the Docker checkpoint in DIR, with no ForceReload (dockerd still holds that history).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { runCli, stopCli } from '../../support/cli-process.ts';
import { docker, runContainer } from '../../support/dockerd.ts';
import { removeRunContainers, sharedDockerd, testRun } from '../sources/docker/support.ts';

const cleanup = cleanupAfterEach();

interface Line {
  events: { type: string; actorName: string; action: number; redelivered?: boolean }[];
}

describe('batchwatch watch --docker --state-dir', () => {
  it('after a SIGKILL, prints the container changes made while it was down, no ForceReload', async () => {
    const daemon = sharedDockerd();
    const run = testRun();
    cleanup(() => removeRunContainers(daemon, run.label));
    const state = await mkdtemp(join(tmpdir(), 'batchwatch-docker-state-'));
    cleanup(() => rm(state, { recursive: true, force: true }));
    const args = ['watch', '--docker', daemon.host, '--state-dir', state, '--format', 'json'];

    const first = runCli([...args, '--interval', '50']);
    cleanup(() => stopCli(first));
    await first.waitForStderr('docker ready');
    const before = `before-${run.id}`;
    await runContainer(daemon, before, { labels: { 'batchwatch.test': run.id } });
    // Printed, hence acknowledged and checkpointed.
    await first.waitForLine((line) =>
      (JSON.parse(line) as Line).events.some((e) => e.actorName === before && e.action === 32),
    );
    first.child.kill('SIGKILL');
    expect(await first.exit).toBe('SIGKILL');

    const during = `during-${run.id}`;
    await runContainer(daemon, during, { labels: { 'batchwatch.test': run.id } });
    await docker(daemon, ['rm', '-f', during]);

    const second = runCli([...args, '--interval', '50']);
    cleanup(() => stopCli(second));
    const seen: string[] = [];
    const unmarkedBefore: number[] = [];
    await second.waitForLine((line) => {
      for (const event of (JSON.parse(line) as Line).events) {
        if (event.actorName === before && event.redelivered !== true)
          unmarkedBefore.push(event.action);
        seen.push(event.action === 4096 ? 'RELOAD' : `${event.actorName}:${event.action}`);
      }
      return seen.includes(`${during}:2048`);
    }, 30_000);
    expect(seen).not.toContain('RELOAD');
    // create, start, kill, die, destroy of the container that lived while the watch was down.
    expect(seen.filter((s) => s.startsWith(during))).toEqual(
      [16, 32, 128, 1024, 2048].map((action) => `${during}:${action}`),
    );
    // What the first run printed comes back only if it was not acknowledged yet: marked redelivered.
    expect(unmarkedBefore, 'events of the first run delivered again without the mark').toEqual([]);
    second.child.kill('SIGINT');
    expect(await second.exit).toBe(0);
  });
});
