// The Redis Streams journal with the real redis-server and real consumer processes
// (redis-consumer.ts): at least once across 20 SIGKILLs at seeded points, two and three consumers of
// one group sharing the entries with one SIGKILLed and taken over, two groups each seeing
// everything, a corrupt record set aside, dead letters kept across a reopen and replayed, the
// stream trimmed only past what every group acknowledged. Replay a failure with
// BATCHWATCH_SEED=<the seed in its message>.
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { Action } from '../../../lib/events/action.ts';
import { createEvent, type Event } from '../../../lib/events/event.ts';
import { encodeEvent } from '../../../lib/journal/event-codec.ts';
import { isRedelivered } from '../../../lib/journal/journal.ts';
import { JournalIoError, JournalRecordError } from '../../../lib/journal/journal-errors.ts';
import { RedisJournal } from '../../../lib/journal/redis-journal.ts';
import { EventQueue } from '../../../lib/queue/event-queue.ts';
import { startRedis, stopRedis } from '../../support/redis-server.ts';
import { mulberry32 } from '../../support/seeded-random.ts';

const consumerScript = fileURLToPath(new URL('./redis-consumer.ts', import.meta.url));
const seed = Number(process.env['BATCHWATCH_SEED'] ?? 20261207);
const port = inject('redisPort');
const url = `redis://127.0.0.1:${port}`;
const dir = mkdtempSync(join(tmpdir(), 'batchwatch-rjournal-'));
const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: false });
const children = new Set<ChildProcess>();
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await redis.quit();
  rmSync(dir, { recursive: true, force: true });
});

const numbered = (n: number): Event =>
  createEvent({ type: 'file', actorName: String(n), action: Action.FileWritten, time: n });

/**
 * Appends events `from`..`to` as a producer, `perCommit` events per commit (one stream entry per
 * partition), in a journal of `partitions` partitions; `event` makes event n.
 */
async function produce(
  stream: string,
  group: string,
  from: number,
  to: number,
  perCommit: number,
  partitions = 1,
  event: (n: number) => Event = numbered,
) {
  const producer = await RedisJournal.open({
    redis: url,
    stream,
    group,
    consumer: 'producer',
    partitions,
  });
  for (let n = from; n <= to; n++) {
    producer.append(event(n));
    if ((n - from + 1) % perCommit === 0) await producer.commit();
  }
  await producer.close();
}

interface Consumer {
  readonly child: ChildProcess;
  readonly markers: string[];
  readonly ready: Promise<void>;
  readonly ended: Promise<{ signal: string | null; stderr: string }>;
}

function runConsumer(
  stream: string,
  consumer: string,
  out: string,
  runSeed: number,
  takeover: number,
  kill?: { phase: string; occurrence: number },
  hangAt?: number,
  partitions = 1,
): Consumer {
  const child = spawn(
    process.execPath,
    [
      consumerScript,
      String(port),
      stream,
      'g',
      consumer,
      out,
      String(runSeed),
      String(takeover),
      ...(hangAt === undefined ? [] : [String(hangAt)]),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PARTITIONS: String(partitions) } },
  );
  children.add(child);
  const markers: string[] = [];
  let stderr = '';
  let buffered = '';
  let seen = 0;
  let readyNow: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    readyNow = resolve;
  });
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      markers.push(line);
      if (line === 'R') readyNow();
      if (kill !== undefined && line === kill.phase && ++seen === kill.occurrence) {
        child.kill('SIGKILL');
        // Nothing it wrote can come after this line: it is hanging or stopped by now.
        appendFileSync(out, `X${consumer}\n`);
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const ended = new Promise<{ signal: string | null; stderr: string }>((resolve) => {
    child.on('close', (_code, signal) => {
      children.delete(child);
      resolve({ signal, stderr });
    });
  });
  return { child, markers, ready, ended };
}

/** The handled lines: `[consumer, number, redelivered]`, in file order. */
function readDeliveries(out: string): [string, number, boolean][] {
  const result: [string, number, boolean][] = [];
  let text = '';
  try {
    text = readFileSync(out, 'utf8');
  } catch {
    return result;
  }
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('>') || line.startsWith('X')) continue;
    const [who, ...items] = line.split(' ');
    // An item is `n` or `key:seq:n`, `r` appended when redelivered.
    for (const item of items) {
      const n = Number.parseInt(item.split(':').at(-1) as string, 10);
      result.push([who as string, n, item.endsWith('r')]);
    }
  }
  return result;
}

/** The partition streams of `stream` (the stream itself with one partition). */
const partitionKeys = (stream: string, partitions: number): string[] =>
  partitions === 1 ? [stream] : Array.from({ length: partitions }, (_, i) => `${stream}:p${i}`);

/** How many entries group `g` has not acknowledged, over every partition. */
async function pendingCount(stream: string, partitions = 1): Promise<number> {
  let pending = 0;
  for (const key of partitionKeys(stream, partitions)) {
    pending += Number(((await redis.xpending(key, 'g')) as unknown[])[0]);
  }
  return pending;
}

/** Waits until every number 1..total was handled and the group holds nothing unacknowledged. */
async function waitAllAcknowledged(
  stream: string,
  out: string,
  total: number,
  timeout: number,
  partitions = 1,
) {
  await vi.waitFor(
    async () => {
      const handled = new Set(readDeliveries(out).map(([, n]) => n));
      expect(handled.size).toBe(total);
      expect(await pendingCount(stream, partitions)).toBe(0);
    },
    { timeout, interval: 50 },
  );
}

describe('RedisJournal: a consumer SIGKILLed at random points', () => {
  it('loses no event over 20 kills in a row, in order, every second delivery marked', {
    timeout: 120_000,
  }, async () => {
    const stream = `rj-kill-${seed}`;
    const out = join(dir, 'kill.out');
    let total = 2_000;
    await produce(stream, 'g', 1, total, 10);
    const random = mulberry32(seed);
    const phases = ['F', 'B', 'W'];
    const killedAt: string[] = [];
    for (let run = 0; run < 20; run++) {
      const phase = phases[Math.floor(random() * phases.length)] as string;
      const occurrence = 1 + Math.floor(random() * 4);
      const consumer = runConsumer(stream, 'c1', out, seed + run, 60_000, { phase, occurrence });
      let ended = false;
      void consumer.ended.then(() => {
        ended = true;
      });
      for (;;) {
        // Killed, or it handled everything there is before its kill point came: then more events.
        await vi.waitFor(
          async () => {
            if (ended) return;
            expect(new Set(readDeliveries(out).map(([, n]) => n)).size).toBe(total);
            expect(Number(((await redis.xpending(stream, 'g')) as unknown[])[0])).toBe(0);
          },
          { timeout: 60_000, interval: 50 },
        );
        if (ended) break;
        await produce(stream, 'g', total + 1, total + 100, 10);
        total += 100;
      }
      const { signal, stderr } = await consumer.ended;
      expect(stderr, `seed ${seed}, run ${run}`).toBe('');
      expect(signal, `seed ${seed}, run ${run}: killed at ${phase}#${occurrence}`).toBe('SIGKILL');
      killedAt.push(`${phase}#${occurrence}`);
    }
    // Restarted under the same name, the consumer takes its own entries back at once (no takeover wait).
    const last = runConsumer(stream, 'c1', out, seed + 100, 60_000);
    await waitAllAcknowledged(stream, out, total, 60_000);
    last.child.kill('SIGTERM');
    expect((await last.ended).stderr).toBe('');

    const deliveries = readDeliveries(out);
    const handled = new Set<number>();
    let redelivered = 0;
    let previous = 0;
    for (const [, n, marked] of deliveries) {
      if (handled.has(n)) {
        expect(marked, `seed ${seed}: ${n} handled again unmarked`).toBe(true);
        redelivered++;
      } else {
        // One consumer: the first deliveries come in stream order.
        expect(n, `seed ${seed}: order`).toBe(previous + 1);
        previous = n;
      }
      handled.add(n);
    }
    const lost = [];
    for (let n = 1; n <= total; n++) if (!handled.has(n)) lost.push(n);
    expect(lost, `seed ${seed}: lost events`).toEqual([]);
    expect(
      await redis.hlen(`${stream}:tries:g`),
      'failed tries are cleared once acknowledged',
    ).toBe(0);
    console.log(`seed ${seed}: killed at ${killedAt.join(' ')}; ${redelivered} redelivered`);
  });
});

describe('RedisJournal: several consumers in one group, order per key', () => {
  // Event n: key `k<j>` (its actorId: the journal's partition key), named `k<j>:<seq>` (its
  // actorName), `seq` counting the key's events from 1. Keys are drawn at random (seeded).
  const keys = 12;
  function keyedEvents(total: number, keySeed: number) {
    const random = mulberry32(keySeed);
    const next = new Map<string, number>();
    const byNumber: Event[] = [];
    for (let n = 1; n <= total; n++) {
      const key = `k${Math.floor(random() * keys)}`;
      const seq = (next.get(key) ?? 0) + 1;
      next.set(key, seq);
      byNumber[n] = createEvent({
        type: 'file',
        actorId: key,
        actorName: `${key}:${seq}:${n}`,
        action: Action.FileWritten,
        time: n,
      });
    }
    return (n: number) => byNumber[n] as Event;
  }

  it.each([2, 3])(
    '%i consumers share the partitions; one SIGKILLed mid-batch: 0 lost, 0 out of order, 0 at once per key',
    { timeout: 90_000 },
    async (count) => {
      const partitions = 8;
      const stream = `rj-order-${count}-${seed}`;
      const out = join(dir, `order-${count}.out`);
      const total = 600;
      await (await RedisJournal.open({ redis: url, stream, group: 'g', partitions })).close();
      const consumers = Array.from({ length: count }, (_, i) =>
        runConsumer(
          stream,
          `c${i + 1}`,
          out,
          seed + i,
          1_000,
          // c2's third flush hangs, holding its entries (and its partitions): SIGKILLed right there.
          i === 1 ? { phase: 'H', occurrence: 1 } : undefined,
          i === 1 ? 3 : undefined,
          partitions,
        ),
      );
      await Promise.all(consumers.map((c) => c.ready));
      // Every consumer holds a share of the partitions before the events come.
      await vi.waitFor(
        async () => {
          const holders = new Set<string | null>();
          for (let i = 0; i < partitions; i++)
            holders.add(await redis.get(`${stream}:lease:g:${i}`));
          expect([...holders].sort()).toEqual(consumers.map((_, i) => `c${i + 1}`));
        },
        { timeout: 10_000, interval: 50 },
      );
      await produce(stream, 'g', 1, total, 4, partitions, keyedEvents(total, seed));
      const victim = consumers[1] as Consumer;
      expect((await victim.ended).signal).toBe('SIGKILL');
      // What the victim held when it died: its pending entries, and the numbers in them.
      const heldNumbers: number[] = [];
      for (const key of partitionKeys(stream, partitions)) {
        const held = (await redis.xpending(key, 'g', '-', '+', 1000, 'c2')) as [string][];
        for (const [id] of held) {
          for (const [, fields] of await redis.xrange(key, id, id)) {
            // A `b` field holds the entry's records, one a line.
            for (let f = 1; f < fields.length; f += 2) {
              for (const record of (fields[f] as string).split('\n')) {
                heldNumbers.push(Number(String(JSON.parse(record)[2]).split(':')[2]));
              }
            }
          }
        }
      }
      expect(heldNumbers.length).toBeGreaterThan(0);
      await waitAllAcknowledged(stream, out, total, 60_000, partitions);
      for (const c of consumers) if (c !== victim) c.child.kill('SIGTERM');
      for (const c of consumers) expect((await c.ended).stderr).toBe('');

      // Walk the file in order: `>c items` a flush starts, `c items` it handled them, `Xc` killed.
      const lines = readFileSync(out, 'utf8')
        .split('\n')
        .filter((line) => line !== '');
      const inHand = new Map<string, Set<string>>(); // consumer -> keys of its batch in hand
      const handledSeq = new Map<string, number>(); // key -> highest seq handled
      const handled = new Set<number>();
      const outOfOrder: string[] = [];
      const atOnce: string[] = [];
      const unmarkedAgain: string[] = [];
      const byConsumer = new Map<string, number>();
      for (const line of lines) {
        if (line.startsWith('X')) {
          inHand.delete(line.slice(1));
          continue;
        }
        const starting = line.startsWith('>');
        const [who = '', ...items] = (starting ? line.slice(1) : line).split(' ');
        const parsed = items.map((item) => {
          const [key = '', seq = '', n = ''] = item.split(':');
          return { key, seq: Number(seq), n: Number.parseInt(n, 10), marked: item.endsWith('r') };
        });
        if (starting) {
          const keysOf = new Set(parsed.map((p) => p.key));
          for (const [other, otherKeys] of inHand) {
            if (other === who) continue;
            for (const key of keysOf)
              if (otherKeys.has(key)) atOnce.push(`${key}: ${other} and ${who}`);
          }
          inHand.set(who, keysOf);
          continue;
        }
        inHand.delete(who);
        byConsumer.set(who, (byConsumer.get(who) ?? 0) + parsed.length);
        for (const { key, seq, n, marked } of parsed) {
          if (handled.has(n)) {
            if (!marked) unmarkedAgain.push(`${key}:${seq} by ${who}`);
            continue;
          }
          const previous = handledSeq.get(key) ?? 0;
          if (seq !== previous + 1)
            outOfOrder.push(`${key}:${seq} after ${key}:${previous} (${who})`);
          handledSeq.set(key, Math.max(previous, seq));
          handled.add(n);
        }
      }
      const lost = [];
      for (let n = 1; n <= total; n++) if (!handled.has(n)) lost.push(n);
      expect(lost, `seed ${seed}: lost`).toEqual([]);
      expect(outOfOrder, `seed ${seed}: out of order per key`).toEqual([]);
      expect(atOnce, `seed ${seed}: one key in two consumers' hands at once`).toEqual([]);
      expect(unmarkedAgain, `seed ${seed}: handled again unmarked`).toEqual([]);
      expect([...byConsumer.keys()].sort()).toEqual(consumers.map((_, i) => `c${i + 1}`));
      // What the victim held went to live consumers, each event marked redelivered.
      const takenOver = readDeliveries(out).filter(
        ([who, n]) => who !== 'c2' && heldNumbers.includes(n),
      );
      expect(new Set(takenOver.map(([, n]) => n))).toEqual(new Set(heldNumbers));
      expect(takenOver.every(([, , marked]) => marked)).toBe(true);
      console.log(
        `seed ${seed}, ${count} consumers: ${byConsumer.size} worked, ${heldNumbers.length} taken over from c2`,
      );
    },
  );
});

describe('RedisJournal in one process', () => {
  async function consumeAll(stream: string, group: string, expected: number) {
    const journal = await RedisJournal.open({
      redis: url,
      partitions: 1,
      stream,
      group,
      consumer: `${group}-1`,
    });
    const events: Event[] = [];
    const errors: Error[] = [];
    const queue = new EventQueue({
      journal,
      flushInterval: 1,
      onFlush: (batch) => {
        events.push(...batch);
      },
      onError: (error) => errors.push(error),
    });
    await vi.waitFor(() => expect(events.length).toBe(expected), { timeout: 10_000 });
    await vi.waitFor(async () => {
      expect(Number(((await redis.xpending(stream, group)) as unknown[])[0])).toBe(0);
    });
    await queue.drain();
    return { journal, events, errors };
  }

  it('two groups each see everything; the stream is trimmed only past what both acknowledged', async () => {
    const stream = `rj-groups-${seed}`;
    await (await RedisJournal.open({ redis: url, partitions: 1, stream, group: 'a' })).close();
    await (await RedisJournal.open({ redis: url, partitions: 1, stream, group: 'b' })).close();
    await produce(stream, 'a', 1, 50, 5);
    const a = await consumeAll(stream, 'a', 50);
    expect(a.events.map((e) => Number(e.actorName))).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    expect(a.events.some(isRedelivered)).toBe(false);
    expect(await a.journal.trim(), 'group b has acknowledged nothing yet').toBe(0);
    expect(await redis.xlen(stream)).toBe(10);
    const b = await consumeAll(stream, 'b', 50);
    expect(b.events.map((e) => Number(e.actorName))).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    expect(await b.journal.trim()).toBe(9);
    expect(await redis.xlen(stream), 'the last entry both read stays').toBe(1);
    await a.journal.close();
    await b.journal.close();
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it('refuses another number of partitions than the stream has, and a 0.2.0 stream with partitions', async () => {
    const stream = `rj-meta-${seed}`;
    await (await RedisJournal.open({ redis: url, stream, group: 'g', partitions: 4 })).close();
    await expect(
      RedisJournal.open({ redis: url, stream, group: 'g', partitions: 8 }),
    ).rejects.toThrow(/has 4 partition\(s\), not 8/);
    // No number given: the stream's own.
    const own = await RedisJournal.open({ redis: url, stream, group: 'g' });
    expect(own.options.partitions).toBe(4);
    await own.close();
    // Entries in the stream itself and no meta: written by 0.2.0.
    const old = `rj-old-${seed}`;
    await redis.xadd(old, '*', 'e', encodeEvent(numbered(1)));
    await expect(
      RedisJournal.open({ redis: url, stream: old, group: 'g', partitions: 16 }),
    ).rejects.toThrow(JournalIoError);
    const opened = await RedisJournal.open({ redis: url, stream: old, group: 'g' });
    expect(opened.options.partitions).toBe(1);
    await opened.close();
    const { events, journal } = await consumeAll(old, 'g', 1);
    expect(events.map((e) => e.actorName)).toEqual(['1']);
    await journal.close();
  });

  it('sets a corrupt record aside, reports it, and delivers the rest', async () => {
    const stream = `rj-corrupt-${seed}`;
    await (await RedisJournal.open({ redis: url, partitions: 1, stream, group: 'g' })).close();
    await redis.xadd(
      stream,
      '*',
      'e',
      encodeEvent(numbered(1)),
      'e',
      '[99,"garbage"',
      'e',
      encodeEvent(numbered(2)),
    );
    await redis.xadd(stream, '*', 'e', '[7,"from the future"]');
    await redis.xadd(stream, '*', 'e', encodeEvent(numbered(3)));
    // The journal's own entries: one `b` field, the records one a line; one line damaged.
    const lines = [encodeEvent(numbered(4)), 'not json', encodeEvent(numbered(5))];
    await redis.xadd(stream, '*', 'b', lines.join('\n'));
    const { journal, events, errors } = await consumeAll(stream, 'g', 5);
    expect(events.map((e) => e.actorName)).toEqual(['1', '2', '3', '4', '5']);
    expect(errors.map((e) => e.constructor)).toEqual([
      JournalRecordError,
      JournalRecordError,
      JournalRecordError,
    ]);
    const aside = await journal.setAside();
    expect(aside.map((r) => r.record)).toEqual([
      '[99,"garbage"',
      '[7,"from the future"]',
      'not json',
    ]);
    await journal.close();
  });

  it('a live consumer with a handler slower than takeoverTimeout keeps its entries', async () => {
    const stream = `rj-renew-${seed}`;
    const takeoverTimeout = 300;
    const open = (consumer: string) =>
      RedisJournal.open({
        redis: url,
        partitions: 1,
        stream,
        group: 'g',
        consumer,
        takeoverTimeout,
        readCount: 1,
      });
    const slow = await open('slow');
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slowSeen: Event[] = [];
    const slowQueue = new EventQueue({
      journal: slow,
      flushInterval: 1,
      onFlush: async (batch) => {
        slowSeen.push(...batch);
        await released;
      },
    });
    await produce(stream, 'g', 1, 2, 2);
    await vi.waitFor(() => expect(slowSeen.length).toBe(2));
    const heldSince = Date.now();
    const other = await open('other');
    const otherSeen: Event[] = [];
    const otherQueue = new EventQueue({
      journal: other,
      flushInterval: 1,
      onFlush: (batch) => void otherSeen.push(...batch),
    });
    // Four times the timeout, the other consumer looking for idle entries all along.
    await vi.waitFor(() => expect(Date.now() - heldSince).toBeGreaterThan(4 * takeoverTimeout), {
      timeout: 5_000,
    });
    expect(otherSeen, 'nothing taken over from a live consumer').toEqual([]);
    release();
    await vi.waitFor(async () => {
      expect(Number(((await redis.xpending(stream, 'g')) as unknown[])[0])).toBe(0);
    });
    expect(slowSeen.some(isRedelivered)).toBe(false);
    await slowQueue.drain();
    await otherQueue.drain();
    await slow.close();
    await other.close();
  });

  it('a commit Redis refuses (out of memory) loses nothing: it is committed once Redis accepts', async () => {
    const server = await startRedis();
    const admin = new Redis({ host: '127.0.0.1', port: server.port });
    try {
      const journal = await RedisJournal.open({
        redis: `redis://127.0.0.1:${server.port}`,
        partitions: 1,
        stream: 'oom',
        group: 'g',
      });
      const handled: string[] = [];
      const errors: Error[] = [];
      const queue = new EventQueue({
        journal,
        flushInterval: 1,
        onFlush: (batch) => void handled.push(...batch.map((e) => e.actorName)),
        onError: (error) => errors.push(error),
      });
      await admin.config('SET', 'maxmemory', '1'); // every XADD refused: OOM
      for (let n = 1; n <= 5; n++) queue.push(numbered(n));
      await vi.waitFor(() => expect(errors.some((e) => e instanceof JournalIoError)).toBe(true));
      expect(String(errors[0]?.message)).toContain('OOM');
      expect(await admin.xlen('oom')).toBe(0);
      await admin.config('SET', 'maxmemory', '0');
      await vi.waitFor(() => expect(handled).toEqual(['1', '2', '3', '4', '5']), {
        timeout: 10_000,
      });
      expect(await admin.xlen('oom')).toBe(1);
      await queue.drain();
      await journal.close();
    } finally {
      await admin.quit();
      await stopRedis(server);
    }
  });

  it('keeps dead letters across a reopen, lists them and replays them', async () => {
    const stream = `rj-dead-${seed}`;
    const first = await RedisJournal.open({
      redis: url,
      partitions: 1,
      stream,
      group: 'g',
      consumer: 'c',
    });
    const failures: Error[] = [];
    const queue = new EventQueue({
      journal: first,
      flushInterval: 1,
      maxRetries: 2,
      retry: () => 1,
      onFlush: () => {
        throw new Error('always fails');
      },
      onError: (error) => failures.push(error),
    });
    await produce(stream, 'g', 1, 3, 3);
    await vi.waitFor(async () => expect((await first.deadLetters()).length).toBe(1));
    await vi.waitFor(async () => {
      expect(Number(((await redis.xpending(stream, 'g')) as unknown[])[0])).toBe(0);
    });
    queue.stop();
    await first.close();

    const second = await RedisJournal.open({
      redis: url,
      partitions: 1,
      stream,
      group: 'g',
      consumer: 'c',
    });
    const [letter] = await second.deadLetters();
    expect(letter?.events.map((e) => e.actorName)).toEqual(['1', '2', '3']);
    expect(letter?.tries).toBe(3);
    expect(letter?.cause).toContain('always fails');
    const handled: Event[] = [];
    const again = new EventQueue({
      journal: second,
      flushInterval: 1,
      onFlush: (b) => void handled.push(...b),
    });
    expect(await second.replayDeadLetter(letter?.id ?? 0)).toBe(3);
    await vi.waitFor(() => expect(handled.map((e) => e.actorName)).toEqual(['1', '2', '3']));
    expect(await second.deadLetters()).toEqual([]);
    await again.drain();
    await second.close();
    expect(failures.length).toBeGreaterThan(0);
  });
});
