// What the daemon writes to Redis: fsnotify's ops, one event per pub/sub message (the Go format a Go
// proxy reads), the same changes in the stream after a start marker.
import { chmod, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, inject, it, vi } from 'vitest';
import { parseStreamEntry } from '../../../lib/jfs-protocol/notify-stream.ts';
import { Op } from '../../../lib/jfs-protocol/op.ts';
import { notifyNames } from '../../../lib/jfs-protocol/redis-keys.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { nodeDir, startDaemon, uniqueChannel } from '../jfs-proxy/support.ts';

const cleanup = cleanupAfterEach();

describe('the daemon feed', () => {
  it('mv a b is Rename a then Create b, chmod is Chmod, each change one pub/sub message and in the stream once', async () => {
    const node = await nodeDir();
    cleanup(node.cleanup);
    const channel = uniqueChannel();
    const subscriber = new Redis({ port: inject('redisPort'), lazyConnect: true });
    cleanup(() => subscriber.disconnect());
    await subscriber.connect();
    const messages: unknown[] = [];
    subscriber.on('message', (_channel: string, text: string) => messages.push(JSON.parse(text)));
    await subscriber.subscribe(channel);
    await writeFile(join(node.dir, 'a'), 'x');
    const daemon = await startDaemon({ channel, paths: [node.dir], followProxies: false });
    cleanup(() => daemon.close());
    await rename(join(node.dir, 'a'), join(node.dir, 'b'));
    // The rename is paired by inode within a short window: its two halves come once it is known.
    await vi.waitFor(() => expect(messages).toHaveLength(2));
    await writeFile(join(node.dir, 'c'), 'x');
    // Writing c may also be reported as a Write after its Create, as fsnotify does: not counted.
    const notWrites = (): unknown[] =>
      messages.filter((message) => (message as { Op: number }[])[0]?.Op !== Op.Write);
    await vi.waitFor(() => expect(notWrites()).toHaveLength(3));
    await chmod(join(node.dir, 'c'), 0o600);
    await vi.waitFor(() => expect(notWrites()).toHaveLength(4));
    expect(messages.every((message) => (message as unknown[]).length === 1)).toBe(true);
    expect(notWrites()).toEqual([
      [{ Name: join(node.dir, 'a'), Op: Op.Rename, Key: node.dir }],
      [{ Name: join(node.dir, 'b'), Op: Op.Create, Key: node.dir }],
      [{ Name: join(node.dir, 'c'), Op: Op.Create, Key: node.dir }],
      [{ Name: join(node.dir, 'c'), Op: Op.Chmod, Key: node.dir }],
    ]);
    const entries = (
      await subscriber.duplicate().xrange(notifyNames(channel).stream, '-', '+')
    ).map(([, fields]) => parseStreamEntry(fields));
    // Changes of one turn share an entry ('events'); each still comes once, in order.
    const ops = entries.flatMap((entry): (number | string)[] =>
      entry.kind === 'event'
        ? [entry.event.op]
        : entry.kind === 'events'
          ? entry.events.map((event) => event.op)
          : [entry.kind],
    );
    expect(ops.filter((op) => op !== Op.Write)).toEqual([
      'marker',
      Op.Rename,
      Op.Create,
      Op.Create,
      Op.Chmod,
    ]);
    expect(entries[0]).toMatchObject({ kind: 'marker', reason: 'daemon-start' });
  });

  it("a Go fsnotify-proxy's loop (it stops at the first non-Write event of a message) gets every change", async () => {
    const node = await nodeDir();
    cleanup(node.cleanup);
    const channel = uniqueChannel();
    const subscriber = new Redis({ port: inject('redisPort'), lazyConnect: true });
    cleanup(() => subscriber.disconnect());
    await subscriber.connect();
    // helper.go's WriteMsg: for each event of a message, a Write is held for the debounce, any
    // other op is `return sendEvent(event)`, so the rest of that message is dropped.
    const goProxySent: string[] = [];
    subscriber.on('message', (_channel: string, text: string) => {
      for (const event of JSON.parse(text) as { Name: string; Op: number }[]) {
        if (event.Op === Op.Write) {
          goProxySent.push(`${event.Op} ${event.Name}`);
          continue;
        }
        goProxySent.push(`${event.Op} ${event.Name}`);
        return;
      }
    });
    await subscriber.subscribe(channel);
    const daemon = await startDaemon({ channel, paths: [node.dir], followProxies: false });
    cleanup(() => daemon.close());
    // A burst: 50 files created within one turn of the event loop, then removed.
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => writeFile(join(node.dir, `f${i}`), 'x')),
    );
    await vi.waitFor(() => expect(daemon.stats().events).toBeGreaterThanOrEqual(50));
    await Promise.all(Array.from({ length: 50 }, (_, i) => rm(join(node.dir, `f${i}`))));
    // Until every removal came: the creations may count more than 50 events (a write with
    // them), so 100 events can be reached with a removal still on its way.
    await vi.waitFor(
      () => {
        expect(daemon.stats().published).toBe(daemon.stats().events);
        expect(goProxySent).toHaveLength(daemon.stats().events);
        expect(goProxySent.filter((line) => line.startsWith(`${Op.Remove} `))).toHaveLength(50);
      },
      { timeout: 5000 },
    );
  });
});
