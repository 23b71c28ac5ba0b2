// Idle RSS of `batchwatch proxy` (connected to a private redis-server, no client) against an idle
// bare node, right after the start and again after a burst of traffic, for the CLI as shipped
// (lean start: see lib/cli/lean-startup.ts) and with V8's defaults at start (`node
// --no-optimize-for-size --maglev --turbofan`, flags the CLI leaves alone). The burst (100,000
// events to one raw client over pub/sub) also gives events/s and the proxy's CPU time, so that the
// lean start shows what it costs the traffic, if anything.
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SETTLE_MS } from '../../lib/cli/heap-budget.ts';
import { formatNotifyMessage, NOTIFY_CHANNEL } from '../../lib/jfs-protocol/notify-message.ts';
import { startRedis, stopRedis } from '../../spec/support/redis-server.ts';
import { countingClient } from '../jfs/counting-client.ts';
import { cpuOf, idleRss, startChild, stopChild, writeBenchMounts } from '../process-usage.ts';

const BURST = 100_000;
const BATCH = 1000;

const nextTick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** PUBLISHes over a raw RESP connection, one event a message as Go's daemon does. */
async function publisher(port: number) {
  const socket = createConnection({ port, host: '127.0.0.1' });
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  let replies = 0;
  let waiter: (() => void) | null = null;
  socket.on('data', (chunk: Buffer) => {
    for (const byte of chunk) if (byte === 10) replies++;
    waiter?.();
  });
  const publish = async (from: number, count: number): Promise<void> => {
    let text = '';
    for (let i = from; i < from + count; i++) {
      const message = formatNotifyMessage([{ name: `/node/data/f${i}`, op: 1, key: '/node/data' }]);
      text += `*3\r\n$7\r\nPUBLISH\r\n$${NOTIFY_CHANNEL.length}\r\n${NOTIFY_CHANNEL}\r\n$${Buffer.byteLength(message)}\r\n${message}\r\n`;
    }
    const target = replies + count;
    socket.write(text);
    while (replies < target) await new Promise<void>((resolve) => (waiter = resolve));
  };
  return { publish, close: () => socket.destroy() };
}

/** How long after the burst the last RSS is read: past the proxy program's `SETTLE_MS`. */
export const SETTLED_MS = SETTLE_MS + 1500;

/** One proxy variant's figures of one run. */
export interface ProxyRun {
  readonly idleRss: number;
  readonly idleRssAfterBurst: number;
  /** Past `SETTLE_MS` at rest after it, when the proxy program gives back its young generation. */
  readonly idleRssSettled: number;
  readonly eventsPerSecond: number;
  readonly cpuPer100k: number;
}

/** The variants measured: the CLI as shipped, and with V8's defaults at start. */
export const PROXY_VARIANTS = {
  'batchwatch proxy': [],
  'batchwatch proxy, V8 defaults at start': ['--no-optimize-for-size', '--maglev', '--turbofan'],
} as const satisfies Record<string, readonly string[]>;

/**
 * Measures `runs` interleaved rounds of a bare idle node and each proxy variant; resolves with the
 * bare node's idle RSS values and each variant's runs.
 */
export async function measureProxies(
  root: string,
  cli: string,
  runs: number,
): Promise<{ bare: number[]; proxies: Record<string, ProxyRun[]> }> {
  const redis = await startRedis();
  const dir = mkdtempSync(join(tmpdir(), 'batchwatch-bench-'));
  const mounts = writeBenchMounts(dir);
  const feed = await publisher(redis.port);
  const bare: number[] = [];
  const proxies: Record<string, ProxyRun[]> = Object.fromEntries(
    Object.keys(PROXY_VARIANTS).map((name) => [name, []]),
  );
  let offset = 0;
  try {
    for (let run = 0; run < runs; run++) {
      const idle = await startChild(
        ['-e', "process.stderr.write('ready'); setInterval(() => {}, 1e6)"],
        'ready',
        root,
      );
      bare.push(await idleRss(idle.child.pid ?? 0));
      await stopChild(idle.child);
      for (const [name, flags] of Object.entries(PROXY_VARIANTS)) {
        const proxy = await startChild(
          [
            ...flags,
            cli,
            'proxy',
            '--mounts',
            mounts,
            '--listen',
            '127.0.0.1:0',
            '--redis',
            `127.0.0.1:${redis.port}`,
            '--feed',
            'pubsub',
            '--debounce',
            '0',
          ],
          'redis ready',
          root,
        );
        const pid = proxy.child.pid ?? 0;
        const idleRssValue = await idleRss(pid);
        const address = /listening on (\S+)/.exec(proxy.stderr())?.[1] ?? '';
        const client = await countingClient(address);
        // Once one event gets through, the WATCH is in place.
        while (client.count() === 0) {
          await feed.publish(offset++, 1);
          await nextTick(20);
        }
        const before = client.count();
        const cpuBefore = cpuOf(pid);
        const started = performance.now();
        for (let i = 0; i < BURST; i += BATCH) await feed.publish(offset + i, BATCH);
        offset += BURST;
        while (client.count() - before < BURST) await nextTick(2);
        const seconds = (performance.now() - started) / 1000;
        const cpu = cpuOf(pid) - cpuBefore;
        client.socket.destroy();
        const idleRssAfterBurst = await idleRss(pid);
        await nextTick(SETTLED_MS);
        proxies[name]?.push({
          idleRss: idleRssValue,
          idleRssAfterBurst,
          idleRssSettled: await idleRss(pid),
          eventsPerSecond: BURST / seconds,
          cpuPer100k: (cpu / BURST) * 100_000,
        });
        await stopChild(proxy.child);
      }
    }
  } finally {
    feed.close();
    await stopRedis(redis);
    rmSync(dir, { recursive: true, force: true });
  }
  return { bare, proxies };
}
