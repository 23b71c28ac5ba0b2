import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { runCli, stopCli } from '../../support/cli-process.ts';
import { freePort } from '../../support/redis-server.ts';
import { client, nodeDir, pod, redisAddr, startDaemon } from '../jfs-proxy/support.ts';

const cleanup = cleanupAfterEach();

/** Resident memory of a process, in bytes, from /proc. */
function rss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for ${pid}`);
  return Number(kib) * 1024;
}

const MiB = 1024 * 1024;
const HALF_FRAMES = 1000;

/** Connects and sends `bytes`; resolves once they are written or the proxy closed the connection. */
function sendHalfFrame(port: number, bytes: Buffer, sockets: Socket[]): Promise<void> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    sockets.push(socket);
    socket.on('error', () => resolve());
    socket.on('close', () => resolve());
    socket.on('connect', () => socket.write(bytes, () => resolve()));
  });
}

describe('batchwatch proxy limits (a real proxy process)', () => {
  it(`keeps its memory growth under 100 MB with ${HALF_FRAMES} half-frame connections, and a good client gets everything`, async () => {
    const node = await nodeDir();
    cleanup(node.cleanup);
    const dir = await mkdtemp(join(tmpdir(), 'bw-limits-'));
    cleanup(() => rm(dir, { recursive: true, force: true }));
    const mounts = join(dir, 'mounts.json');
    await writeFile(mounts, JSON.stringify([{ ...pod, mounts: node.mounts }]));
    const port = await freePort();
    const proxy = runCli([
      'proxy',
      '--mounts',
      mounts,
      '--listen',
      `127.0.0.1:${port}`,
      '--redis',
      redisAddr(),
      '--debounce',
      '0',
    ]);
    cleanup(() => stopCli(proxy));
    await proxy.waitForStderr('redis ready');
    const daemon = await startDaemon({
      channel: 'jfsnotify',
      paths: [node.dir],
      followProxies: false,
    });
    cleanup(() => daemon.close());

    const good = client(`127.0.0.1:${port}`, ['/data']);
    cleanup(good.stop);
    await vi.waitFor(() => expect(good.source.status.kind).toBe('ready'), { timeout: 10_000 });
    // A first change proves the path end to end before the attack.
    await writeFile(join(node.dir, 'before.txt'), 'x');
    await vi.waitFor(
      () => expect(good.events.map((event) => event.actorName)).toContain('/data/before.txt'),
      { timeout: 10_000 },
    );
    const pid = proxy.child.pid as number;
    const baseline = rss(pid);

    // Each connection: a length prefix announcing a 1 MiB payload, then all but one byte of the frame.
    const halfFrame = Buffer.alloc(MiB - 1, 0x61);
    halfFrame.writeUInt32BE(MiB, 0);
    const sockets: Socket[] = [];
    cleanup(() => {
      for (const socket of sockets) socket.destroy();
    });
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rss(pid));
    }, 20);
    cleanup(() => clearInterval(sampler));
    const attack = Promise.all(
      Array.from({ length: HALF_FRAMES }, () => sendHalfFrame(port, halfFrame, sockets)),
    );
    // Changes made during the attack must all reach the good client.
    const names: string[] = [];
    for (let i = 0; i < 20; i++) {
      const name = `during-${i}.txt`;
      names.push(`/data/${name}`);
      await writeFile(join(node.dir, name), 'x');
    }
    await attack;
    for (let i = 0; i < 5; i++) {
      const name = `after-${i}.txt`;
      names.push(`/data/${name}`);
      await writeFile(join(node.dir, name), 'x');
    }
    await vi.waitFor(
      () => {
        const seen = new Set(good.events.map((event) => event.actorName));
        expect(names.filter((name) => !seen.has(name))).toEqual([]);
      },
      { timeout: 20_000, interval: 50 },
    );
    peak = Math.max(peak, rss(pid));
    clearInterval(sampler);
    const growth = peak - baseline;
    expect(growth, `proxy RSS ${baseline} -> peak ${peak} bytes`).toBeLessThan(100 * 1000 * 1000);
    // The budget was enforced: connections past it were told why.
    expect(proxy.stderr()).toContain('maxTotalPartialBytes');
    expect(proxy.child.exitCode).toBeNull();
  }, 120_000);
});
