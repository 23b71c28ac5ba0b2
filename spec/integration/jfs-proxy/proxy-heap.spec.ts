import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { SETTLE_MS } from '../../../lib/cli/heap-budget.ts';
import { PROXY_SEMI_SPACE_MB } from '../../../lib/cli/proxy-heap.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { runCli, stopCli } from '../../support/cli-process.ts';
import { freePort } from '../../support/redis-server.ts';
import { pod, redisAddr } from './support.ts';

const cleanup = cleanupAfterEach();

/** The command line a process runs now (after any replacement of its image). */
const commandLine = (pid: number): string[] =>
  readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    .split('\0')
    .filter((arg) => arg !== '');

async function startProxy(env: NodeJS.ProcessEnv = {}, args: readonly string[] = []) {
  const dir = await mkdtemp(join(tmpdir(), 'bw-proxy-heap-'));
  cleanup(() => rm(dir, { recursive: true, force: true }));
  const mounts = join(dir, 'mounts.json');
  await writeFile(
    mounts,
    JSON.stringify([{ ...pod, mounts: [{ mountPath: '/data', hostPath: dir }] }]),
  );
  const port = await freePort();
  const proxy = runCli(
    ['proxy', '--mounts', mounts, '--listen', `127.0.0.1:${port}`, '--redis', redisAddr(), ...args],
    { env },
  );
  cleanup(() => stopCli(proxy));
  await proxy.waitForStderr('redis ready');
  return { ...proxy, port };
}

/** The young generation's size, from the proxy's `/metrics` (prom-client's heap space gauge). */
async function youngBytes(url: string): Promise<number> {
  const text = await (await fetch(url)).text();
  const series = 'nodejs_heap_space_size_total_bytes{space="new"}';
  const line = text.split('\n').find((row) => row.startsWith(`${series} `));
  return Number(line?.slice(series.length + 1));
}

describe('batchwatch proxy heap (a real proxy process)', () => {
  it('runs with a small young generation: the same process, restarted under the V8 option at start', async () => {
    const proxy = await startProxy();
    const pid = proxy.child.pid as number;
    expect(commandLine(pid)).toContain(`--max-semi-space-size=${PROXY_SEMI_SPACE_MB}`);
    // Replaced, not forked: the pid its supervisor knows is the proxy, and it stops on its signal.
    expect(commandLine(pid)).toContain('proxy');
    proxy.child.kill('SIGTERM');
    expect(await proxy.exit).toBe(0);
    expect(proxy.stderr()).toContain('SIGTERM: closing');
  });

  it("keeps the user's own young-generation size from NODE_OPTIONS", async () => {
    const proxy = await startProxy({ NODE_OPTIONS: '--max-semi-space-size=8' });
    expect(commandLine(proxy.child.pid as number).join(' ')).not.toContain('max-semi-space-size');
  });

  it('gives back, once at rest, the young generation that 1,000 connecting clients grew', {
    timeout: 10 * SETTLE_MS,
  }, async () => {
    const proxy = await startProxy({ DEBUG: 'batchwatch:heap' }, ['--metrics', '0']);
    await proxy.waitForStderr('metrics on');
    const url = /metrics on (\S+)/.exec(proxy.stderr())?.[1] as string;
    /** The reductions the proxy logged: the young generation's MB before and after. */
    const reductions = () =>
      [...proxy.stderr().matchAll(/young generation ([\d.]+) MB -> ([\d.]+) MB/g)].map(
        ([, before, after]) => [Number(before), Number(after)] as const,
      );
    const sockets: Socket[] = [];
    cleanup(() => {
      for (const socket of sockets) socket.destroy();
    });
    await Promise.all(
      Array.from(
        { length: 1000 },
        () =>
          new Promise<void>((resolve, reject) => {
            const socket = createConnection({ port: proxy.port, host: '127.0.0.1' }, resolve);
            socket.once('error', reject);
            sockets.push(socket);
          }),
      ),
    );
    const before = reductions().length;
    // Nothing asks the proxy anything now: it reduces SETTLE_MS after its last collection (the
    // one a start makes, if it came first, does not make this one wait REDUCE_INTERVAL_MS).
    await vi.waitFor(() => expect(reductions().length).toBeGreaterThan(before), {
      timeout: 6 * SETTLE_MS,
      interval: 100,
    });
    const [grown, left] = reductions().at(-1) ?? [0, 0];
    expect(grown).toBeGreaterThanOrEqual(8);
    expect(left).toBeLessThanOrEqual(2);
    expect(await youngBytes(url)).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(sockets.every((socket) => !socket.destroyed)).toBe(true);
  });
});
