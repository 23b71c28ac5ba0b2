// Redis overloaded, not dead, under the real daemon and proxy programs while files are created at
// 40/s: out of memory (`noeviction`), the daemon's writes refused while its PUBLISHes would pass.
import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import {
  chain,
  during,
  isReload,
  receives,
  stopWithoutSilentLoss,
  undelivered,
  watchData,
  writer,
} from './jfs-fault-support.ts';

const cleanup = cleanupAfterEach();

describe('the JFS chain when Redis is overloaded (real redis-server, daemon and proxy programs)', () => {
  it('Redis out of memory (noeviction) for 2 s: no silent loss, and the daemon counts only what Redis accepted', async () => {
    const setup = await chain(cleanup);
    const daemon = await setup.startDaemon();
    const { port } = await setup.startProxy();
    const client = watchData(`127.0.0.1:${port}`, cleanup);
    await client.ready;
    const files = writer(setup.node);
    cleanup(files.stop);
    await receives(client, 5);
    const admin = new Redis({ port: setup.redis.port, lazyConnect: true });
    cleanup(() => admin.disconnect());
    await admin.connect();
    const stream = 'jfsnotify:stream';
    // Below what Redis already uses: every write is refused (OOM), reads and PUBLISH still pass.
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    await admin.config('SET', 'maxmemory', '1');
    // Read after the limit (Redis runs one command at a time): a write it ran just before is counted
    // here, and every write it runs from now on is refused (an EXEC holding one too).
    const before = Number(await admin.xlen(stream));
    await during(2000);
    const refused = Number(await admin.xlen(stream)) - before;
    await admin.config('SET', 'maxmemory', '0');
    await stopWithoutSilentLoss(files, client);
    // Within the backlog: every change was kept and delivered late, not replaced by a resync.
    await vi.waitFor(() => expect(undelivered(files.created, client.events)).toEqual([]), {
      timeout: 15_000,
    });
    expect(client.events.filter(isReload)).toEqual([]);
    // The fault was real: nothing went into the stream while memory was full.
    expect(refused).toBe(0);
    daemon.child.kill('SIGTERM');
    await daemon.exit;
    const summary = /(\d+) change\(s\) seen, (\d+) change\(s\) published, (\d+) dropped/.exec(
      daemon.stderr(),
    );
    expect(summary).not.toBeNull();
    const [seen, published, dropped] = (summary as RegExpExecArray).slice(1).map(Number);
    // Every change is in the stream (the start marker aside), as many as the daemon says it published.
    const changes = await streamChanges(admin, stream);
    expect(published).toBe(changes);
    expect(dropped).toBe(0);
    expect(published).toBe(seen);
    // One warning for the outage, not one per refused write.
    expect(daemon.stderr().match(/warning: .*OOM/g) ?? []).toHaveLength(1);
  }, 60_000);
});

describe('the JFS chain when Redis freezes (real redis-server, daemon and proxy programs)', () => {
  it('Redis SIGSTOPped for 12 s: the daemon says why once, the proxy reconnects, and after SIGCONT nothing is lost silently', async () => {
    const setup = await chain(cleanup);
    const daemon = await setup.startDaemon();
    const proxy = await setup.startProxy();
    const client = watchData(`127.0.0.1:${proxy.port}`, cleanup);
    await client.ready;
    const files = writer(setup.node);
    cleanup(files.stop);
    await receives(client, 5);
    const admin = new Redis({ port: setup.redis.port, lazyConnect: true });
    cleanup(() => admin.disconnect());
    await admin.connect();
    const pid = Number(/process_id:(\d+)/.exec(await admin.info('server'))?.[1]);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGSTOP');
    let frozen = true;
    cleanup(() => {
      if (frozen) process.kill(pid, 'SIGCONT');
    });
    // Past the default redisTimeout (10 s): the frozen connections are noticed and made again.
    await vi.waitFor(() => expect(daemon.stderr()).toMatch(/Socket timeout/), { timeout: 20_000 });
    await vi.waitFor(() => expect(proxy.cli.stderr()).toMatch(/redis reconnecting/), {
      timeout: 20_000,
    });
    await during(2000);
    process.kill(pid, 'SIGCONT');
    frozen = false;
    await stopWithoutSilentLoss(files, client);
    // One warning for the outage (its cause), not one per reconnection attempt.
    expect(
      daemon.stderr().match(/batchwatch daemon: warning: .*Redis connection was lost/g),
    ).toHaveLength(1);
  }, 90_000);
});

/** How many changes the stream holds (burst entries count each of theirs; markers none). */
async function streamChanges(admin: Redis, stream: string): Promise<number> {
  let count = 0;
  for (const [, fields] of await admin.xrange(stream, '-', '+')) {
    if (fields[0] === 'Name') count++;
    else if (fields[0] === 'Events') count += (JSON.parse(fields[1] as string) as unknown[]).length;
  }
  return count;
}
