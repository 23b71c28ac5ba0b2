// The proxy's footprint against a bare Node of the same run (issue 26's targets): RSS idle, with
// 1,000 idle clients (right after each had its first change, and 6.5 s later at rest), at the
// peak of a 100,000-event burst to one client (and that burst's events/s), and, at rest (100
// events/s evenly spaced to one client), the proxy's CPU time and the latency publish -> client
// (the stream written as the daemon writes it at rest: its script, which also publishes each
// entry on the chain), right after the proxy started and again once warmed (V8 has optimized its
// path), for both feeds (`--feed stream`, `--feed pubsub`) and both entry
// shapes (a burst per entry or message: 1,000 changes; one change per entry or message). Each of
// the three phases (idle and 1,000 idle clients; the bursts; at rest) has a proxy of its own. The
// idle clients, the CPU and the latency have a floor from the same run: a bare Node relay
// (relay-floor.ts, no library) doing the same work.
//
// `npm run build && npm run bench -- jfs-footprint [--runs 3] [--steady-seconds 20]` runs the
// built CLI (`dist/cli/main.js proxy`, as users start it) against a private redis-server. Runs are
// interleaved (bare Node, stream, pubsub, bare Node, ...) and every figure is a median.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SETTLE_MS } from '../../lib/cli/heap-budget.ts';
import { FEED_SCRIPT, FEED_SCRIPT_SHA, feedScriptArgs } from '../../lib/jfs-daemon/feed-script.ts';
import { formatNotifyMessage, NOTIFY_CHANNEL } from '../../lib/jfs-protocol/notify-message.ts';
import { batchFields, eventFields } from '../../lib/jfs-protocol/notify-stream.ts';
import { notifyNames } from '../../lib/jfs-protocol/redis-keys.ts';
import { startRedis, stopRedis } from '../../spec/support/redis-server.ts';
import {
  cpuOf,
  idleRss,
  rssOf,
  startChild,
  stopChild,
  writeBenchMounts,
} from '../process-usage.ts';
import { fmt, median, percentile, printTable, until } from '../support.ts';
import { countingClient } from './counting-client.ts';

const argument = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? fallback : Number(process.argv[at + 1]);
};
const RUNS = argument('runs', 3);
const STEADY_SECONDS = argument('steady-seconds', 20);
const BURST = 100_000;
const PER_BURST_ENTRY = 1000;
const IDLE_CLIENTS = 1000;
const NAMES = notifyNames(NOTIFY_CHANNEL);
const FEEDS = ['stream', 'pubsub'] as const;
type Feed = (typeof FEEDS)[number];
const SHAPES = ['burst entries', 'one change per entry'] as const;
type Shape = (typeof SHAPES)[number];

const root = fileURLToPath(new URL('../..', import.meta.url));
/**
 * The proxies measured: this tree's built CLI and, with BENCH_BEFORE=<dir of an older checkout,
 * built, with node_modules>, that checkout's, its runs interleaved with this one's (the
 * same-run baseline for "within 10% of before").
 */
const BEFORE = process.env['BENCH_BEFORE'];
const variants: { label: string; cli: string }[] = [
  { label: '', cli: join(root, 'dist', 'cli', 'main.js') },
  ...(BEFORE === undefined
    ? []
    : [{ label: 'before ', cli: join(BEFORE, 'dist', 'cli', 'main.js') }]),
];

/** Node options the proxies are started with (BENCH_PROXY_NODE_FLAGS, space-separated): to try V8's. */
const NODE_FLAGS = (process.env['BENCH_PROXY_NODE_FLAGS'] ?? '')
  .split(/\s+/)
  .filter((flag) => flag !== '');

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/**
 * How long a proxy is left at rest before its idle RSS is read: past `SETTLE_MS`, when the proxy
 * program gives back the young generation a start or 1,000 connecting clients grew (heap-budget.ts).
 */
const SETTLED = SETTLE_MS + 1500;

/** How long any one wait of the bench may take before it fails (a lost client must not hang it). */
const WAIT_MS = 120_000;

type Client = Awaited<ReturnType<typeof countingClient>>;

/**
 * A counting client that the bench watches: one the proxy disconnects (a resync, a slow-client
 * drop) fails the bench with a message instead of leaving it waiting for events that never come.
 */
async function watchedClient(
  address: string,
  name: string,
  dir: string,
  onRecords?: (count: number) => void,
): Promise<Client & { lost: () => boolean; release: () => void }> {
  const client = await countingClient(address, name, onRecords, `/data/${dir}`);
  let lost = false;
  let released = false;
  client.socket.once('close', () => {
    if (!released) lost = true;
  });
  return {
    ...client,
    lost: () => lost,
    release: () => {
      released = true;
      client.socket.destroy();
    },
  };
}

/** Waits until `client` has `count` records; fails if the proxy dropped it or after WAIT_MS. */
async function received(
  client: Awaited<ReturnType<typeof watchedClient>>,
  count: number,
  what: string,
): Promise<void> {
  await until(
    what,
    () => {
      if (client.lost())
        throw new Error(
          `the proxy disconnected the client during ${what} (it had ${client.count()} of ${count} events): see the proxy's log`,
        );
      return client.count() >= count;
    },
    WAIT_MS,
    2,
  );
}

const resp = (args: readonly string[]): string =>
  `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;

/** Writes commands over a raw RESP connection and waits for their replies (one line each). */
async function rawRedis(port: number) {
  const socket: Socket = createConnection({ port, host: '127.0.0.1' });
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  let replies = 0;
  let waiter: (() => void) | null = null;
  socket.on('data', (chunk: Buffer) => {
    for (const byte of chunk) if (byte === 10) replies++;
    waiter?.();
  });
  return {
    async send(commands: readonly string[][]): Promise<void> {
      const target = replies + commands.length;
      socket.write(commands.map(resp).join(''));
      while (replies < target) await new Promise<void>((resolve) => (waiter = resolve));
    },
    /** Writes without waiting (the steady rate: replies are counted all the same). */
    fire(command: readonly string[]): void {
      socket.write(resp(command));
    },
    close: () => socket.destroy(),
  };
}

type Raw = Awaited<ReturnType<typeof rawRedis>>;
let serial = 0;
/**
 * Each phase's changes go to a directory of its own (`/node/data/<dir>`, `/data/<dir>` in the
 * pod): a client that starts watching a path is sent that path's recent changes (the proxy's
 * catch-up), which must not be those of the phase before.
 */
const change = (dir: string) => () => ({
  name: `/node/data/${dir}/some-dir-f${serial++}.txt`,
  op: 1,
  key: `/node/data/${dir}`,
});

/**
 * The commands that carry `count` changes to `dir` on `feed`, in `shape`. Stream entries are
 * `XADD`s, as any writer's; `asDaemon`: as the daemon writes them at rest, through its script
 * (which also publishes each small entry on the chain). A burst is written with `XADD`s: the
 * daemon's burst entries are too large for the chain, and a script per entry would measure
 * Redis running scripts, not the proxy.
 */
function commands(
  feed: Feed,
  shape: Shape,
  count: number,
  dir: string,
  asDaemon = false,
): string[][] {
  const per = shape === 'burst entries' ? PER_BURST_ENTRY : 1;
  const out: string[][] = [];
  for (let i = 0; i < count; i += per) {
    const events = Array.from({ length: Math.min(per, count - i) }, change(dir));
    if (feed === 'pubsub') out.push(['PUBLISH', NOTIFY_CHANNEL, formatNotifyMessage(events)]);
    else {
      const fields = per === 1 ? eventFields(events[0] as never) : batchFields(events);
      const records = [{ kind: 'append' as const, fields, changes: per }];
      const args = feedScriptArgs(NAMES.channel, NAMES.chain, records, [100_000]);
      out.push(
        asDaemon
          ? ['EVALSHA', FEED_SCRIPT_SHA, '1', NAMES.stream, ...args]
          : ['XADD', NAMES.stream, 'MAXLEN', '~', '100000', '*', ...fields],
      );
    }
  }
  return out;
}

/** Sends one change at a time until `client` got one: its WATCH is in place. */
async function firstChange(
  client: Awaited<ReturnType<typeof watchedClient>>,
  raw: Raw,
  feed: Feed,
  dir: string,
): Promise<void> {
  await until(
    `a first change to a new client (${feed})`,
    async () => {
      if (client.lost())
        throw new Error('the proxy disconnected a new client before its first change');
      if (client.count() > 0) return true;
      await raw.send(commands(feed, 'one change per entry', 1, dir));
      return false;
    },
    WAIT_MS,
    20,
  );
}

interface FeedRun {
  idle: number;
  /** Right after each client had its first change. */
  idleClientsAtOnce: number;
  /** {@link SETTLED} later. */
  idleClients: number;
  burst: Record<Shape, { peak: number; eventsPerSecond: number }>;
  /** The first window at rest, right after the proxy started. */
  rest: Rest;
  /** The same once {@link WARM_EVENTS} more went through. */
  warm: Rest;
}

type Proxy = Awaited<ReturnType<typeof startChild>> & { address: string };

/**
 * Runs `phase` against a proxy started for it alone, so that one phase's
 * high-water mark (the RSS 1,000 clients left behind, say) is not counted
 * in the next: each figure is that of its own phase, from a fresh start.
 */
async function withProxy<T>(
  cli: string,
  feed: Feed,
  port: number,
  mounts: string,
  phase: (proxy: Proxy) => Promise<T>,
): Promise<T> {
  const proxy = await startChild(
    [
      ...NODE_FLAGS,
      cli,
      'proxy',
      '--mounts',
      mounts,
      '--listen',
      '127.0.0.1:0',
      '--redis',
      `127.0.0.1:${port}`,
      '--feed',
      feed,
      '--debounce',
      '0',
    ],
    'redis ready',
    root,
  );
  try {
    return await phase({ ...proxy, address: /listening on (\S+)/.exec(proxy.stderr())?.[1] ?? '' });
  } catch (err) {
    // The proxy's own account of why (a resync, a slow client) belongs with the failure.
    const tail = proxy.stderr().trim().split('\n').slice(-5).join('\n  ');
    throw new Error(`${(err as Error).message}\n  proxy (--feed ${feed}) said:\n  ${tail}`);
  } finally {
    await stopChild(proxy.child);
  }
}

/**
 * RSS idle, then with 1,000 idle clients (each has had one change, so each WATCH is in place):
 * right after, and once at rest (`SETTLED` later).
 */
async function idleClients(
  { pid, address }: Proxy,
  feed: Feed,
  raw: Raw,
): Promise<Pick<FeedRun, 'idle' | 'idleClientsAtOnce' | 'idleClients'>> {
  await sleep(SETTLED);
  const idle = await idleRss(pid);
  const clients = await Promise.all(
    Array.from({ length: IDLE_CLIENTS }, (_, i) => watchedClient(address, `idle${i}`, 'idle')),
  );
  await until(
    `a first change to each of ${IDLE_CLIENTS} clients`,
    async () => {
      const lost = clients.filter((client) => client.lost()).length;
      if (lost > 0) throw new Error(`the proxy disconnected ${lost} idle client(s)`);
      if (clients.every((client) => client.count() > 0)) return true;
      await raw.send(commands(feed, 'one change per entry', 1, 'idle'));
      return false;
    },
    WAIT_MS,
    50,
  );
  const atOnce = await idleRss(pid);
  await sleep(SETTLED);
  const withClients = await idleRss(pid);
  for (const client of clients) client.release();
  return { idle, idleClientsAtOnce: atOnce, idleClients: withClients };
}

/** Each shape's 100,000-event burst to one client: the RSS peak and the events/s. */
async function bursts({ pid, address }: Proxy, feed: Feed, raw: Raw): Promise<FeedRun['burst']> {
  const burst = {} as FeedRun['burst'];
  for (const shape of SHAPES) {
    const dir = `burst-${shape.length}`;
    const client = await watchedClient(address, dir, dir);
    await firstChange(client, raw, feed, dir);
    const before = client.count();
    let peak = rssOf(pid);
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssOf(pid));
    }, 5);
    const started = performance.now();
    const all = commands(feed, shape, BURST, dir);
    for (let i = 0; i < all.length; i += 1000) await raw.send(all.slice(i, i + 1000));
    try {
      await received(client, before + BURST, `the ${fmt(BURST)}-event burst (${shape}, ${feed})`);
    } finally {
      clearInterval(sampler);
    }
    const seconds = (performance.now() - started) / 1000;
    burst[shape] = { peak: Math.max(peak, rssOf(pid)), eventsPerSecond: BURST / seconds };
    client.release();
    await sleep(200);
  }
  return burst;
}

/**
 * Events sent between the two windows at rest, 1,000 a second: past the calls after which V8
 * optimizes a function with its top compiler (`--invocation-count-for-turbofan`, 3,000 in Node
 * 24), so that the second window measures the proxy as it runs once it has been up a while.
 */
const WARM_EVENTS = 10_000;

/** What one window at rest measured: the CPU used and each event's latency publish -> client. */
interface Rest {
  cpu: number;
  latencies: number[];
}

/**
 * Counts a window at rest: `sent` records when each of its events was sent, `onCount` (given the
 * client's running count) when each arrived; events outside a window are not timed.
 */
function latencyMeter() {
  let base = Number.POSITIVE_INFINITY;
  let sent: number[] = [];
  let latencies: number[] = [];
  return {
    start(count: number): void {
      base = count;
      sent = [];
      latencies = [];
    },
    sent(at: number): void {
      sent.push(at);
    },
    onCount(count: number): void {
      const now = performance.now();
      for (let i = latencies.length; i < count - base && i < sent.length; i++)
        latencies.push(now - (sent[i] as number));
    },
    latencies: () => latencies,
  };
}

/**
 * At rest: 100 changes a second, evenly spaced, one per entry, to one client, for
 * `STEADY_SECONDS` right after the proxy started (its code not optimized yet), and again once
 * {@link WARM_EVENTS} more were sent.
 */
async function steady(
  { pid, address }: Proxy,
  feed: Feed,
  raw: Raw,
): Promise<Pick<FeedRun, 'rest' | 'warm'>> {
  const meter = latencyMeter();
  const client = await watchedClient(address, 'steady', 'steady', meter.onCount);
  await firstChange(client, raw, feed, 'steady');
  await sleep(500);
  const steadyChange = (): string[] =>
    commands(feed, 'one change per entry', 1, 'steady', true)[0] as string[];
  const { rest, warm } = await restWindows(
    pid,
    raw,
    meter,
    client.count,
    steadyChange,
    (total, what) => received(client, total, `${what} (${feed})`),
  );
  client.release();
  return { rest, warm };
}

/**
 * The two windows at rest of the process `pid`, each `STEADY_SECONDS` at 100 changes a second
 * (`change` gives each command): right away, and once {@link WARM_EVENTS} more went through at
 * 1,000/s and it was at rest for `SETTLED`. `count` is its receiver's running count, `meter`
 * times it, `arrived` waits until it reaches a total.
 */
async function restWindows(
  pid: number,
  raw: Raw,
  meter: ReturnType<typeof latencyMeter>,
  count: () => number,
  change: () => string[],
  arrived: (total: number, what: string) => Promise<void>,
): Promise<{ rest: Rest; warm: Rest }> {
  const window = async (what: string): Promise<Rest> => {
    const base = count();
    meter.start(base);
    const cpuBefore = cpuOf(pid);
    const total = STEADY_SECONDS * 100;
    await atRest(total, 10, () => {
      const command = change();
      meter.sent(performance.now());
      raw.fire(command);
    });
    await arrived(base + total, what);
    return { cpu: cpuOf(pid) - cpuBefore, latencies: meter.latencies() };
  };
  const rest = await window(`the first ${STEADY_SECONDS} s at 100 events/s`);
  const base = count();
  await atRest(WARM_EVENTS, 1, () => raw.fire(change()));
  await arrived(base + WARM_EVENTS, `${fmt(WARM_EVENTS)} events at 1,000/s`);
  // At rest before the window, as before the first: what the warm-up grew is given back first.
  await sleep(SETTLED);
  const warm = await window(`${STEADY_SECONDS} s at 100 events/s, warmed`);
  return { rest, warm };
}

/**
 * Calls `send` `total` times, evenly spaced, `spacing` ms apart. Each send waits its turn on the
 * event loop first (a timer, or at least an immediate): the clients of this process read
 * meanwhile, also at a spacing of 1 ms, where the wait is too short for a timer.
 */
async function atRest(total: number, spacing: number, send: () => void): Promise<void> {
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + i * spacing;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait - 1);
    else await new Promise((resolve) => setImmediate(resolve));
    while (performance.now() < due) {}
    send();
  }
}

/**
 * The floor of the CPU and latency rows: a bare Node relay (relay-floor.ts: Redis pub/sub to one
 * TCP client, no library) given the same messages at the same rates, its two windows measured as
 * the proxy's are.
 */
async function relayFloor(port: number, raw: Raw): Promise<{ rest: Rest; warm: Rest }> {
  const relay = await startChild([script, String(port), NOTIFY_CHANNEL], 'listening on', root);
  const listen = Number(/listening on (\d+)/.exec(relay.stderr())?.[1]);
  const socket = createConnection({ port: listen, host: '127.0.0.1' });
  let frames = 0;
  let pending = Buffer.alloc(0);
  const meter = latencyMeter();
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
      pending = pending.subarray(4 + pending.readUInt32BE(0));
      frames++;
    }
    meter.onCount(frames);
  });
  const one = (): string[] => commands('pubsub', 'one change per entry', 1, 'floor')[0] as string[];
  try {
    await until(
      'the relay forwards',
      async () => {
        if (frames > 0) return true;
        raw.fire(one());
        return false;
      },
      WAIT_MS,
      20,
    );
    await sleep(500);
    return await restWindows(
      relay.pid,
      raw,
      meter,
      () => frames,
      one,
      (total, what) => until(`the relay forwarded ${what}`, () => frames >= total, WAIT_MS, 5),
    );
  } finally {
    socket.destroy();
    await stopChild(relay.child);
  }
}

/**
 * The floor of the idle-clients row: the RSS of a bare Node relay (relay-floor.ts) holding
 * IDLE_CLIENTS connections that each had one message, as the proxy's clients had their first
 * change: what Node itself costs for them.
 */
async function relayIdleClients(port: number, raw: Raw): Promise<number> {
  const relay = await startChild([script, String(port), NOTIFY_CHANNEL], 'listening on', root);
  const listen = Number(/listening on (\d+)/.exec(relay.stderr())?.[1]);
  const sockets = await Promise.all(
    Array.from(
      { length: IDLE_CLIENTS },
      () =>
        new Promise<Socket & { heard?: boolean }>((resolve, reject) => {
          const socket: Socket & { heard?: boolean } = createConnection(
            { port: listen, host: '127.0.0.1' },
            () => resolve(socket),
          );
          socket.once('error', reject);
          socket.on('data', () => {
            socket.heard = true;
          });
        }),
    ),
  );
  const one = (): string[] => commands('pubsub', 'one change per entry', 1, 'floor')[0] as string[];
  try {
    await until(
      `a first message to each of ${IDLE_CLIENTS} relay clients`,
      async () => {
        if (sockets.every((socket) => socket.heard === true)) return true;
        raw.fire(one());
        return false;
      },
      WAIT_MS,
      50,
    );
    return await idleRss(relay.pid);
  } finally {
    for (const socket of sockets) socket.destroy();
    await stopChild(relay.child);
  }
}

async function measureFeed(
  cli: string,
  feed: Feed,
  raw: Raw,
  port: number,
  mounts: string,
): Promise<FeedRun> {
  const run = <T>(phase: (proxy: Proxy) => Promise<T>): Promise<T> =>
    withProxy(cli, feed, port, mounts, phase);
  const idle = await run((proxy) => idleClients(proxy, feed, raw));
  const burst = await run((proxy) => bursts(proxy, feed, raw));
  const rest = await run((proxy) => steady(proxy, feed, raw));
  return { ...idle, burst, ...rest };
}

const redis = await startRedis();
const dir = mkdtempSync(join(tmpdir(), 'batchwatch-footprint-'));
const mounts = writeBenchMounts(dir);
/**
 * relay-floor.ts as JavaScript: run as TypeScript, Node loads its type stripper, about 19 MB of
 * RSS that the proxy (built) and the bare Node do not have (the floor was 19 MB too high).
 */
const script = join(dir, 'relay-floor.mjs');
writeFileSync(
  script,
  stripTypeScriptTypes(readFileSync(join(root, 'bench', 'jfs', 'relay-floor.ts'), 'utf8')),
);
const raw = await rawRedis(redis.port);
await raw.send([['SCRIPT', 'LOAD', FEED_SCRIPT]]);
const bare: number[] = [];
const bareCpu: number[] = [];
/** The bare Node relay's two windows at rest, per run. */
const floors: { rest: Rest; warm: Rest }[] = [];
const floorClients: number[] = [];
/** Runs by column: a variant's label and the feed. */
const columns = variants.flatMap((variant) =>
  FEEDS.map((feed) => ({ ...variant, feed, name: `${variant.label}--feed ${feed}` })),
);
const runs = new Map<string, FeedRun[]>(columns.map((column) => [column.name, []]));
try {
  for (let run = 0; run < RUNS; run++) {
    const idle = await startChild(
      ['-e', "process.stderr.write('ready'); setInterval(() => {}, 1e6)"],
      'ready',
      root,
    );
    bare.push(await idleRss(idle.pid));
    const cpu = cpuOf(idle.pid);
    await sleep(1000);
    bareCpu.push(((cpuOf(idle.pid) - cpu) * STEADY_SECONDS) / 1);
    await stopChild(idle.child);
    floors.push(await relayFloor(redis.port, raw));
    floorClients.push(await relayIdleClients(redis.port, raw));
    for (const column of columns) {
      runs
        .get(column.name)
        ?.push(await measureFeed(column.cli, column.feed, raw, redis.port, mounts));
    }
  }
} finally {
  raw.close();
  await stopRedis(redis);
  rmSync(dir, { recursive: true, force: true });
}

const MB = 1024 * 1024;
const bareRss = median(bare);
const over = (values: number[]) => `+${fmt((median(values) - bareRss) / MB, 1)}`;
const rows: string[][] = [['measure', 'target', ...columns.map((column) => column.name)]];
const row = (measure: string, target: string, cell: (runs: FeedRun[]) => string) =>
  rows.push([measure, target, ...columns.map((column) => cell(runs.get(column.name) ?? []))]);
const settled = `${fmt(SETTLED / 1000, 1)} s at rest`;
row(`RSS idle (after ${settled}), MB over bare Node`, '<= +16', (r) => over(r.map((x) => x.idle)));
row(
  `RSS with ${fmt(IDLE_CLIENTS)} idle clients, right after their first change, MB over bare Node`,
  '',
  (r) => over(r.map((x) => x.idleClientsAtOnce)),
);
row(`the same, ${fmt(SETTLED / 1000, 1)} s later, at rest`, '<= +40', (r) =>
  over(r.map((x) => x.idleClients)),
);
row(`the same, a bare Node relay of the same run (the floor)`, '', () => over(floorClients));
for (const shape of SHAPES) {
  row(`peak RSS, ${fmt(BURST)}-event burst (${shape}), MB over bare Node`, '<= +40', (r) =>
    over(r.map((x) => x.burst[shape].peak)),
  );
  row(`events/s of that burst to one client`, 'within 10% of before', (r) =>
    fmt(median(r.map((x) => x.burst[shape].eventsPerSecond))),
  );
}
const windows = [
  ['rest', 'right after the proxy started'],
  ['warm', `warmed (after ${fmt(WARM_EVENTS)} more at 1,000/s)`],
] as const;
for (const [window, when] of windows) {
  const floorCpu = median(floors.map((floor) => floor[window].cpu));
  row(
    `proxy CPU over ${STEADY_SECONDS} s at 100 events/s, ${when}, s`,
    `<= ${fmt(0.63 * (STEADY_SECONDS / 20), 2)} (Go)`,
    (r) => fmt(median(r.map((x) => x[window].cpu)), 2),
  );
  row(`that CPU, x a bare Node relay of the same run (the floor), ${when}`, '', (r) =>
    fmt(median(r.map((x) => x[window].cpu)) / floorCpu, 2),
  );
  for (const [p, target] of [
    [50, '<= 0.65 (Go)'],
    [99, '(Go 3.83)'],
  ] as const) {
    row(`latency publish -> client, p${p} ms, ${when}`, target, (r) =>
      fmt(median(r.map((x) => percentile(x[window].latencies, p))), 2),
    );
    row(`the same, the bare Node relay (the floor), ${when}`, '', () =>
      fmt(median(floors.map((floor) => percentile(floor[window].latencies, p))), 2),
    );
  }
}
console.log(
  `\nbatchwatch proxy (built CLI, --debounce 0) against a bare Node of the same run: bare idle RSS ${fmt(bareRss / MB, 1)} MB, bare idle CPU ${fmt(median(bareCpu), 2)} s per ${STEADY_SECONDS} s; a bare Node relay (Redis pub/sub -> one TCP client, no library: relay-floor.ts) at 100 events/s: ${fmt(median(floors.map((floor) => floor.rest.cpu)), 2)} s of CPU per ${STEADY_SECONDS} s (warmed: ${fmt(median(floors.map((floor) => floor.warm.cpu)), 2)} s); medians of ${RUNS} interleaved runs\n`,
);
printTable(rows);
