import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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

async function startProxy(env: NodeJS.ProcessEnv = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'bw-proxy-heap-'));
  cleanup(() => rm(dir, { recursive: true, force: true }));
  const mounts = join(dir, 'mounts.json');
  await writeFile(
    mounts,
    JSON.stringify([{ ...pod, mounts: [{ mountPath: '/data', hostPath: dir }] }]),
  );
  const port = await freePort();
  const proxy = runCli(
    ['proxy', '--mounts', mounts, '--listen', `127.0.0.1:${port}`, '--redis', redisAddr()],
    { env },
  );
  cleanup(() => stopCli(proxy));
  await proxy.waitForStderr('redis ready');
  return proxy;
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
});
