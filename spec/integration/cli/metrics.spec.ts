import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it, vi } from 'vitest';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { type CliProcess, runCli, stopCli } from '../../support/cli-process.ts';

const cleanup = cleanupAfterEach();

/** The /metrics URL the command printed on stderr. */
async function metricsUrl(cli: CliProcess): Promise<string> {
  await cli.waitForStderr('/metrics');
  return /metrics on (http:\/\/\S+\/metrics)/.exec(cli.stderr())?.[1] as string;
}

/** The value of one sample line of the Prometheus text format, e.g. `name{a="b"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((row) => row.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('--metrics PORT (the real program, scraped over HTTP)', () => {
  it('watch serves the queue and source metrics', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bw-metrics-'));
    cleanup(() => rm(dir, { recursive: true, force: true }));
    const cli = runCli(['watch', dir, '--interval', '20', '--metrics', '0']);
    cleanup(() => stopCli(cli));
    const url = await metricsUrl(cli);
    await cli.waitForStderr('file ready');
    // Written beside the watched directory, then moved in: one change (a create), however slowly
    // a loaded machine lets the write follow the open (else a second event, a write, may come).
    cleanup(() => rm(`${dir}-a.txt`, { force: true }));
    await writeFile(`${dir}-a.txt`, 'x');
    await rename(`${dir}-a.txt`, join(dir, 'a.txt'));
    await cli.waitForLine((line) => line.includes('created a.txt'));
    await vi.waitFor(async () => {
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      const text = await response.text();
      expect(text).toContain('# TYPE batchwatch_queue_events_received_total counter');
      expect(sample(text, 'batchwatch_queue_events_received_total{type="file"}')).toBe(1);
      expect(sample(text, 'batchwatch_queue_events_flushed_total{type="file"}')).toBe(1);
      expect(sample(text, 'batchwatch_source_status{source="file",status="ready"}')).toBe(1);
      expect(sample(text, 'batchwatch_queue_flush_duration_seconds_count{outcome="success"}')).toBe(
        1,
      );
    });
    cli.child.kill('SIGINT');
    expect(await cli.exit).toBe(0);
    await expect(fetch(url)).rejects.toThrow();
  });

  it('proxy serves its connection and frame counters', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bw-metrics-'));
    cleanup(() => rm(dir, { recursive: true, force: true }));
    const mounts = join(dir, 'mounts.json');
    await writeFile(
      mounts,
      JSON.stringify([
        {
          namespace: 'default',
          pod: 'p',
          container: 'c',
          mounts: [{ mountPath: '/data', hostPath: dir }],
        },
      ]),
    );
    const cli = runCli([
      'proxy',
      '--mounts',
      mounts,
      '--listen',
      '127.0.0.1:0',
      '--redis',
      `127.0.0.1:${inject('redisPort')}`,
      '--metrics',
      '0',
    ]);
    cleanup(() => stopCli(cli));
    const url = await metricsUrl(cli);
    const text = await (await fetch(url)).text();
    expect(sample(text, 'batchwatch_proxy_open_connections')).toBe(0);
    expect(text).toContain('# TYPE batchwatch_proxy_frames_received_total counter');
    cli.child.kill('SIGTERM');
    expect(await cli.exit).toBe(0);
  });

  it('watch --metrics HOST:PORT listens on HOST, with process metrics and counters typed as counters', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bw-metrics-'));
    cleanup(() => rm(dir, { recursive: true, force: true }));
    // Any 127/8 address is this machine on Linux: one that is not the default proves HOST is used.
    const cli = runCli(['watch', dir, '--metrics', '127.0.0.2:0']);
    cleanup(() => stopCli(cli));
    const url = await metricsUrl(cli);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.2:\d+\/metrics$/);
    await cli.waitForStderr('file ready');
    const text = await (await fetch(url)).text();
    expect(text).toContain('# TYPE process_cpu_seconds_total counter');
    expect(text).toContain('# TYPE process_resident_memory_bytes gauge');
    expect(text).toContain('# TYPE batchwatch_source_counter_total counter');
    expect(text).toMatch(
      /^batchwatch_source_counter_total\{source="file",counter="scanned"\} \d+$/m,
    );
    expect(text).not.toMatch(/^batchwatch_source_stat[{ ]/m);
    cli.child.kill('SIGINT');
    expect(await cli.exit).toBe(0);
  });

  it('rejects a bad port with one line and exit 2', async () => {
    const cli = runCli(['watch', '--metrics', 'http']);
    cleanup(() => stopCli(cli));
    expect(await cli.exit).toBe(2);
    expect(cli.stderr()).toBe(
      'batchwatch: --metrics takes [HOST:]PORT, a TCP port from 0 to 65535 (HOST default 127.0.0.1), not "http".\n',
    );
  });
});
