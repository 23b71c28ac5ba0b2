// A frozen Redis (SIGSTOP: the socket stays open, nothing answers) under a real daemon watching a
// real directory: the daemon notices within its redisTimeout, leaves `ready`, warns once, keeps at
// most its backlog, and once Redis runs again (SIGCONT) writes what it kept after a gap marker.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { JfsDaemon } from '../../../lib/jfs-daemon/jfs-daemon.ts';
import { parseStreamEntry } from '../../../lib/jfs-protocol/notify-stream.ts';
import type { LinkStatus } from '../../../lib/status.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { startRedis, stopRedis } from '../../support/redis-server.ts';
import { nodeDir } from '../jfs-proxy/support.ts';

const cleanup = cleanupAfterEach();

/** Each stream entry: a marker's reason, or the base names of the changes it carries. */
async function streamNames(admin: Redis): Promise<string[]> {
  const names: string[] = [];
  for (const [, fields] of await admin.xrange('jfsnotify:stream', '-', '+')) {
    const entry = parseStreamEntry(fields);
    if (entry.kind === 'marker') names.push(entry.reason);
    else if (entry.kind === 'event') names.push(entry.event.name);
    else if (entry.kind === 'events') names.push(...entry.events.map((event) => event.name));
  }
  return names.map((name) => name.slice(name.lastIndexOf('/') + 1));
}

describe('a daemon writing to a frozen Redis (SIGSTOP)', () => {
  it('leaves ready with one warning naming the timeout, keeps at most its backlog, and marks the overflow once Redis runs again', async () => {
    const redis = await startRedis();
    let frozen = false;
    cleanup(async () => {
      if (frozen) process.kill(redis.pid, 'SIGCONT');
      await stopRedis(redis);
    });
    const node = await nodeDir();
    cleanup(node.cleanup);
    const maxBacklog = 50;
    const daemon = await JfsDaemon.start({
      paths: [node.dir],
      followProxies: false,
      redisAddr: `127.0.0.1:${redis.port}`,
      redisTimeout: 1000,
      maxBacklog,
      env: {},
    });
    cleanup(() => daemon.close());
    const admin = new Redis({ port: redis.port, lazyConnect: true });
    cleanup(() => admin.disconnect());
    await admin.connect();
    const statuses: LinkStatus[] = [];
    daemon.status$.subscribe((status) => statuses.push(status));
    const warnings: Error[] = [];
    daemon.warnings$.subscribe((warning) => warnings.push(warning));
    for (let i = 0; i < 5; i++) await writeFile(join(node.dir, `before-${i}`), 'x');
    await vi.waitFor(async () => expect(await streamNames(admin)).toContain('before-4'));

    process.kill(redis.pid, 'SIGSTOP');
    frozen = true;
    const files = 300;
    // Empty files: one Create each (a file with content is a Create and a settled Write, which the
    // local watcher may report after newer files' Creates: the newest kept would not be the last files).
    for (let i = 0; i < files; i++) await writeFile(join(node.dir, `during-${i}`), '');
    await vi.waitFor(() => expect(daemon.stats().events).toBeGreaterThanOrEqual(5 + files), {
      timeout: 10_000,
    });
    await vi.waitFor(() => expect(statuses.at(-1)?.kind).toBe('reconnecting'), { timeout: 10_000 });
    // Bounded: the oldest changes beyond the backlog are dropped and counted.
    expect(daemon.stats().pending).toBeLessThanOrEqual(maxBacklog);
    expect(daemon.stats().dropped).toBeGreaterThan(0);
    await vi.waitFor(
      () =>
        expect(
          statuses.filter((s) => s.kind === 'reconnecting' && s.attempt >= 2).length,
        ).toBeGreaterThan(0),
      { timeout: 15_000 },
    );
    // Several reconnection attempts against the frozen server: one warning names the cause, one
    // says that the backlog overflowed, none per attempt.
    expect(warnings).toHaveLength(2);
    expect(warnings.map((warning) => warning.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/Redis connection was lost \(Socket timeout/),
        expect.stringMatching(/oldest are dropped/),
      ]),
    );

    process.kill(redis.pid, 'SIGCONT');
    frozen = false;
    await vi.waitFor(() => expect(statuses.at(-1)?.kind).toBe('ready'), { timeout: 15_000 });
    await vi.waitFor(
      async () => expect(await streamNames(admin)).toContain(`during-${files - 1}`),
      {
        timeout: 10_000,
      },
    );
    expect(daemon.stats().pending).toBe(0);
    const names = await streamNames(admin);
    // Nothing lost silently: each file is in the stream, or the overflow marker comes after it.
    const marker = names.lastIndexOf('daemon-overflow');
    expect(marker).toBeGreaterThan(names.indexOf('before-4'));
    const missing = Array.from({ length: files }, (_, i) => `during-${i}`).filter(
      (name) => !names.includes(name),
    );
    expect(missing.length).toBeGreaterThan(0);
    expect(missing.length).toBeLessThanOrEqual(daemon.stats().dropped);
    // The kept ones (the newest) come after the marker.
    expect(names.slice(marker + 1)).toEqual(
      expect.arrayContaining(
        Array.from({ length: maxBacklog }, (_, i) => `during-${files - maxBacklog + i}`),
      ),
    );
    expect(warnings).toHaveLength(2);
  }, 60_000);
});
