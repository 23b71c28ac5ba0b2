// `batchwatch watch --journal redis://... --group NAME`: killed with SIGKILL and started again
// under the same --consumer, it prints what it had not acknowledged, marked redelivered, and
// resumes its file source; two watch processes in one group share the entries, and the one
// SIGKILLed has its entries taken over by the other after --takeover-timeout.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { readTreeSnapshot } from '../../../lib/sources/file/stored-snapshot.ts';
import { type CliProcess, runCli, stopCli } from '../../support/cli-process.ts';

const port = inject('redisPort');
const stream = 'batchwatch:journal';
const started: CliProcess[] = [];
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'batchwatch-rjcli-'));
});
afterEach(async () => {
  for (const cli of started.splice(0)) await stopCli(cli);
  await rm(dir, { recursive: true, force: true });
});
const clients: Redis[] = [];
afterAll(async () => {
  for (const client of clients) await client.quit();
});

/** Each test its own database: the stream key is the CLI's default. */
function database(db: number): { url: string; redis: Redis } {
  const redis = new Redis({ host: '127.0.0.1', port, db });
  clients.push(redis);
  return { url: `redis://127.0.0.1:${port}/${db}`, redis };
}

function watch(args: string[]): CliProcess {
  const cli = runCli(['watch', ...args]);
  started.push(cli);
  return cli;
}

/** The journal's partition streams (their number is kept in `<stream>:meta`). */
async function partitionStreams(redis: Redis): Promise<string[]> {
  const count = Number(await redis.hget(`${stream}:meta`, 'partitions'));
  return count === 1 ? [stream] : Array.from({ length: count }, (_, i) => `${stream}:p${i}`);
}

/** How many events the stream holds (an entry's `b` field holds its records, one a line). */
async function streamEvents(redis: Redis): Promise<number> {
  let events = 0;
  for (const key of await partitionStreams(redis)) {
    for (const [, fields] of await redis.xrange(key, '-', '+')) {
      for (let f = 1; f < fields.length; f += 2) events += (fields[f] as string).split('\n').length;
    }
  }
  return events;
}

/** Unacknowledged entries per consumer of `group`, over every partition. */
async function pending(redis: Redis, group: string): Promise<Map<string, number>> {
  const byConsumer = new Map<string, number>();
  for (const key of await partitionStreams(redis)) {
    const summary = (await redis.xpending(key, group)) as [
      number,
      unknown,
      unknown,
      [string, string][] | null,
    ];
    for (const [name, count] of summary[3] ?? []) {
      byConsumer.set(name, (byConsumer.get(name) ?? 0) + Number(count));
    }
  }
  return byConsumer;
}

describe('batchwatch watch --journal', () => {
  it('after a SIGKILL, restarted under the same --consumer, prints what it had not acknowledged, marked', async () => {
    const { url, redis } = database(11);
    await redis.flushdb();
    const watched = join(dir, 'tree');
    await mkdir(watched);
    const args = [watched, '--journal', url, '--group', 'g', '--consumer', 'w1'];
    // A window longer than the test: the events are journaled and taken, never flushed.
    const first = watch([...args, '--interval', '600000']);
    await first.waitForStderr('file ready');
    await writeFile(join(watched, 'a.txt'), 'a');
    await vi.waitFor(async () => expect((await pending(redis, 'g')).get('w1')).toBe(1), {
      timeout: 10_000,
    });
    await writeFile(join(watched, 'b.txt'), 'b');
    await vi.waitFor(async () => expect(await streamEvents(redis)).toBe(2), { timeout: 10_000 });
    // The tree snapshot (kept under w1) follows what was taken in: b is not reported again.
    await vi.waitFor(
      async () => {
        const saved = await redis.hgetall(`${stream}:checkpoints:g:w1`);
        const snapshot = readTreeSnapshot({ checkpoint: (name) => saved[name] }, 'file');
        expect([...(snapshot?.keys() ?? [])]).toContain(join(watched, 'b.txt'));
      },
      { timeout: 10_000 },
    );
    first.child.kill('SIGKILL');
    expect(await first.exit).toBe('SIGKILL');
    expect(first.stdoutLines()).toEqual([]);

    const second = watch([...args, '--interval', '50']);
    await second.waitForLine((line) => line === '  created b.txt');
    // What it had taken first (a, marked), then the next entry (b), once each.
    expect(second.stdoutLines()).toEqual([
      expect.stringMatching(/^batch 1 · 1 event · \d\d:\d\d:\d\d · redelivered$/),
      '  created a.txt',
      expect.stringMatching(/^batch 2 · 1 event · \d\d:\d\d:\d\d$/),
      '  created b.txt',
    ]);
    await vi.waitFor(async () => expect((await pending(redis, 'g')).size).toBe(0));
    // Its file source resumed from the checkpoint kept under w1: nothing reported twice.
    await writeFile(join(watched, 'c.txt'), 'c');
    await second.waitForLine((line) => line === '  created c.txt');
    expect(second.stdoutLines()).toHaveLength(6);
    expect(second.stdoutLines()[4]).toMatch(/^batch 3 · 1 event · \d\d:\d\d:\d\d$/);
    second.child.kill('SIGINT');
    expect(await second.exit).toBe(0);
    expect(second.stderr()).not.toMatch(/error/i);
  });

  it('two watch processes in one group share the entries; a SIGKILLed one is taken over', async () => {
    const { url, redis } = database(12);
    await redis.flushdb();
    const treeA = join(dir, 'a');
    const treeB = join(dir, 'b');
    await mkdir(treeA);
    await mkdir(treeB);
    const common = ['--journal', url, '--group', 'share', '--takeover-timeout', '1000'];
    const live = watch([treeA, ...common, '--consumer', 'live', '--interval', '50']);
    // This one takes entries and never flushes them (its window outlasts the test) until killed.
    const doomed = watch([treeB, ...common, '--consumer', 'doomed', '--interval', '600000']);
    await live.waitForStderr('file ready');
    await doomed.waitForStderr('file ready');
    const names = Array.from({ length: 12 }, (_, i) => `f${String(i).padStart(2, '0')}.txt`);
    for (const name of names) {
      await writeFile(join(treeA, name), name);
      const written = names.indexOf(name) + 1;
      await vi.waitFor(async () => expect(await streamEvents(redis)).toBe(written), {
        timeout: 10_000,
      });
    }
    // Both took some: the doomed one holds what it took, the live one printed the rest.
    await vi.waitFor(
      async () => expect((await pending(redis, 'share')).get('doomed')).toBeGreaterThan(0),
      {
        timeout: 10_000,
      },
    );
    const held = (await pending(redis, 'share')).get('doomed') as number;
    doomed.child.kill('SIGKILL');
    expect(await doomed.exit).toBe('SIGKILL');

    await vi.waitFor(
      () => {
        const printed = live.stdoutLines().filter((line) => line.startsWith('  created '));
        expect(printed.map((line) => line.slice(10)).sort()).toEqual(names);
      },
      { timeout: 15_000 },
    );
    await vi.waitFor(async () => expect((await pending(redis, 'share')).size).toBe(0));
    const headers = live.stdoutLines().filter((line) => line.startsWith('batch '));
    // What the doomed one held came to the live one marked redelivered; nothing else was.
    expect(headers.filter((line) => line.endsWith('· redelivered')).length).toBeGreaterThan(0);
    expect(held).toBeGreaterThan(0);
    expect(doomed.stdoutLines()).toEqual([]);
    live.child.kill('SIGINT');
    expect(await live.exit).toBe(0);
  });

  it('refuses contradictory flags', async () => {
    const both = runCli(['watch', '--state-dir', dir, '--journal', 'redis://127.0.0.1:1']);
    expect(await both.exit).toBe(2);
    expect(both.stderr()).toContain('--state-dir and --journal are two journals');
    const group = runCli(['watch', '--group', 'g']);
    expect(await group.exit).toBe(2);
    expect(group.stderr()).toContain('--group needs --journal URL');
  });
});
