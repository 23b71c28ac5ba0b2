import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { runCli, stopCli } from '../../support/cli-process.ts';
import { docker, runContainer } from '../../support/dockerd.ts';
import { removeRunContainers, sharedDockerd, testRun } from '../sources/docker/support.ts';

const cleanup = cleanupAfterEach();

describe('batchwatch watch --docker (the real program, the private dockerd)', () => {
  it('prints container lifecycle events as JSON lines and summarises them', async () => {
    const daemon = sharedDockerd();
    const run = testRun();
    cleanup(() => removeRunContainers(daemon, run.label));
    const cli = runCli(['watch', '--docker', daemon.host, '--format', 'json', '--interval', '50']);
    cleanup(() => stopCli(cli));
    await cli.waitForStderr('docker ready');
    const name = `cli-${run.id}`;
    await runContainer(daemon, name, { labels: { 'batchwatch.test': run.id } });
    await docker(daemon, ['rm', '-f', name]);
    const seen = new Set<string>();
    await cli.waitForLine((line) => {
      const batch = JSON.parse(line) as {
        events: { type: string; actorName: string; action: number }[];
      };
      for (const event of batch.events)
        if (event.actorName === name) seen.add(`${event.type}:${event.action}`);
      return seen.has('docker:2048');
    }, 30_000);
    // create, start, kill, die, destroy (kill comes from rm -f): every one once.
    expect([...seen].sort()).toEqual([
      'docker:1024',
      'docker:128',
      'docker:16',
      'docker:2048',
      'docker:32',
    ]);
    cli.child.kill('SIGINT');
    expect(await cli.exit).toBe(0);
    expect(cli.stderr()).toMatch(/docker created: 1, docker started: 1/);
  });

  it('exits 2 for a --docker URL it cannot use', async () => {
    const cli = runCli(['watch', '--docker', 'ssh://user@host']);
    cleanup(() => stopCli(cli));
    expect(await cli.exit).toBe(2);
    expect(cli.stderr()).toContain('--docker ssh://user@host: ssh:// is not supported');
  });
});
