// The Redis journal while Redis is away, with a real redis-server: frozen (SIGSTOP) and killed.
// What waits for Redis is bounded (`maxPending`): one event more is refused with a typed
// JournalFullError, reported, never dropped silently; what was accepted reaches the handler once
// Redis is back. A failed read retries on the `retry` policy (the shared RetryLoop, attempt 1 on).
// close() does not wait for a dead Redis for ever. Every event pushed is counted: handled or
// reported refused.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { QueueError } from '../../../lib/errors.ts';
import { Action } from '../../../lib/events/action.ts';
import { createEvent, type Event } from '../../../lib/events/event.ts';
import { JournalFullError, JournalIoError } from '../../../lib/journal/journal-errors.ts';
import { RedisJournal } from '../../../lib/journal/redis-journal.ts';
import { EventQueue } from '../../../lib/queue/event-queue.ts';
import { freePort, RestartableRedis, startRedis, stopRedis } from '../../support/redis-server.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const numbered = (n: number): Event =>
  createEvent({ type: 'file', actorName: String(n), action: Action.FileWritten, time: n });

/** A consumer on `port` whose retry policy records the attempts it is asked about. */
async function consumer(port: number, maxPending: number) {
  const attempts: number[] = [];
  const journal = await RedisJournal.open({
    redis: `redis://127.0.0.1:${port}`,
    stream: 'outage',
    group: 'g',
    consumer: 'c',
    partitions: 4,
    maxPending,
    commitWindow: 1,
    retry: (attempt) => {
      attempts.push(attempt);
      return 20;
    },
  });
  const handled: number[] = [];
  const errors: QueueError[] = [];
  const queue = new EventQueue({
    journal,
    flushInterval: 1,
    onFlush: (batch) => void handled.push(...batch.map((e) => Number(e.actorName))),
    onError: (error) => errors.push(error),
  });
  cleanups.push(async () => {
    queue.stop();
    await journal.close();
  });
  const refused = () =>
    errors.filter((e) => e instanceof JournalIoError && e.cause instanceof JournalFullError);
  return { journal, queue, handled, errors, attempts, refused };
}

/** Pushes events from `from` on until one is refused; returns the first refused number. */
async function pushUntilRefused(
  queue: EventQueue,
  refused: () => readonly QueueError[],
  from: number,
): Promise<number> {
  let n = from;
  while (refused().length === 0) {
    queue.push(numbered(n++));
    // One intake turn at a time, so that each turn's commit is tried.
    await new Promise((resolve) => setImmediate(resolve));
    if (n > from + 100_000) throw new Error('never refused');
  }
  return n - 1;
}

describe('RedisJournal while Redis is away', () => {
  it('frozen (SIGSTOP): at most maxPending events wait, one more is refused (JournalFullError); 0 accepted lost', {
    timeout: 30_000,
  }, async () => {
    const server = await startRedis();
    cleanups.push(async () => {
      process.kill(server.pid, 'SIGCONT');
      await stopRedis(server);
    });
    const c = await consumer(server.port, 50);
    for (let n = 1; n <= 10; n++) c.queue.push(numbered(n));
    await vi.waitFor(() => expect(c.handled).toHaveLength(10), { timeout: 10_000 });

    process.kill(server.pid, 'SIGSTOP');
    const firstRefused = await pushUntilRefused(c.queue, c.refused, 11);
    // A few more, all refused while the journal is full: each one reported, none silently dropped.
    for (let n = firstRefused + 1; n <= firstRefused + 5; n++) c.queue.push(numbered(n));
    expect(c.refused()).toHaveLength(6);
    const error = c.refused()[0]?.cause as JournalFullError;
    expect(error.code).toBe('BATCHWATCH_JOURNAL_FULL');
    expect(error.limit).toBe(50);
    expect(error.message).toContain('maxPending');
    // Accepted while frozen: exactly maxPending (the commit in flight counts too: a commit that
    // fails puts its events back, so it cannot make room for more).
    const accepted = firstRefused - 11;
    expect(accepted).toBe(50);

    process.kill(server.pid, 'SIGCONT');
    await vi.waitFor(() => expect(c.handled).toHaveLength(10 + accepted), { timeout: 15_000 });
    const expected = Array.from({ length: 10 + accepted }, (_, i) => i + 1);
    expect([...c.handled].sort((a, b) => a - b)).toEqual(expected);
    // Every event pushed: handled, or refused and reported.
    expect(c.handled.length + c.refused().length).toBe(firstRefused + 5);
    // Once Redis answers, an append is accepted again.
    c.queue.push(numbered(10_000_000));
    await vi.waitFor(() => expect(c.handled).toContain(10_000_000), { timeout: 10_000 });
  });

  it('killed: appends are bounded and refused with a typed error; restarted empty, the read error retries on the policy (attempt 1) and nothing accepted is lost', {
    timeout: 40_000,
  }, async () => {
    const redis = new RestartableRedis(await freePort());
    await redis.start();
    cleanups.push(() => redis.kill());
    const c = await consumer(redis.port, 20);
    for (let n = 1; n <= 5; n++) c.queue.push(numbered(n));
    await vi.waitFor(() => expect(c.handled).toHaveLength(5), { timeout: 10_000 });
    expect(c.attempts).toEqual([]);

    await redis.kill();
    // ioredis queues each command while it reconnects: the journal keeps one of each kind in
    // flight (a read, a commit, a lease tick), and at most maxPending events wait.
    const firstRefused = await pushUntilRefused(c.queue, c.refused, 6);
    const accepted = firstRefused - 6;
    expect(accepted).toBe(20);

    // A new, empty Redis on the same port: the commits land; the read finds no group (NOGROUP),
    // reports it, makes the group again after the policy's delay for attempt 1 and goes on.
    await redis.start();
    await vi.waitFor(() => expect(c.handled).toHaveLength(5 + accepted), { timeout: 20_000 });
    expect([...c.handled].sort((a, b) => a - b)).toEqual(
      Array.from({ length: 5 + accepted }, (_, i) => i + 1),
    );
    expect(c.handled.length + c.refused().length).toBe(firstRefused);
    expect(c.attempts[0]).toBe(1);
    expect(
      c.errors.some(
        (e) =>
          e instanceof JournalIoError &&
          e.operation === 'read the stream' &&
          /NOGROUP/.test(e.message),
      ),
    ).toBe(true);
  });

  it('close() with Redis gone settles after its 5 s wait, the same promise every time', {
    timeout: 30_000,
  }, async () => {
    const redis = new RestartableRedis(await freePort());
    await redis.start();
    cleanups.push(() => redis.kill());
    const c = await consumer(redis.port, 100);
    c.queue.push(numbered(1));
    await vi.waitFor(() => expect(c.handled).toEqual([1]), { timeout: 10_000 });
    await redis.kill();
    c.queue.push(numbered(2));
    c.queue.stop();
    const started = Date.now();
    await c.journal.close();
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(4_000);
    expect(took).toBeLessThan(15_000);
    expect(c.journal.close()).toBe(c.journal.close());
  });
});
