// A real daemon under a steady flow of changes (issue 26, the daemon at rest): files created 10 ms
// apart share stream entries and writes (one per group the watch thread hands over, at most one
// per 50 ms), and every change is still in the stream once, in order, and on the channel once.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { describe, expect, inject, it, vi } from 'vitest';
import { parseStreamEntry } from '../../../lib/jfs-protocol/notify-stream.ts';
import { notifyNames } from '../../../lib/jfs-protocol/redis-keys.ts';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { nodeDir, startDaemon, uniqueChannel } from '../jfs-proxy/support.ts';

const cleanup = cleanupAfterEach();

describe('the daemon under a steady flow', () => {
  it('60 files made 10 ms apart: each once in the stream and on the channel, in order, in groups of up to 50 ms', async () => {
    const node = await nodeDir();
    cleanup(node.cleanup);
    const channel = uniqueChannel();
    const subscriber = new Redis({ port: inject('redisPort'), lazyConnect: true });
    cleanup(() => subscriber.disconnect());
    await subscriber.connect();
    const published: string[] = [];
    subscriber.on('message', (_channel: string, text: string) => {
      for (const event of JSON.parse(text) as { Name: string }[]) published.push(event.Name);
    });
    await subscriber.subscribe(channel);
    const daemon = await startDaemon({ channel, paths: [node.dir], followProxies: false });
    cleanup(() => daemon.close());

    const files = Array.from({ length: 60 }, (_, i) => join(node.dir, `f${i}`));
    const start = performance.now();
    for (const file of files) {
      await writeFile(file, 'x');
      // The pace of the flow (100 changes a second), not a wait for a condition.
      await sleep(10);
    }
    const created = (names: readonly string[]): string[] =>
      names.filter((name, i) => names.indexOf(name) === i);
    await vi.waitFor(() => expect(created(published)).toHaveLength(files.length), {
      timeout: 10_000,
    });
    const elapsed = performance.now() - start;

    const reader = subscriber.duplicate();
    cleanup(() => reader.disconnect());
    const entries = (await reader.xrange(notifyNames(channel).stream, '-', '+')).map(([, fields]) =>
      parseStreamEntry(fields),
    );
    const streamed = entries.flatMap((entry) =>
      entry.kind === 'event'
        ? [entry.event.name]
        : entry.kind === 'events'
          ? entry.events.map((event) => event.name)
          : [],
    );
    // A file written as it is created may also have a Write after its Create: each name counts once.
    expect(created(streamed)).toEqual(files);
    expect(created(published)).toEqual(files);
    expect(streamed).toEqual(published);
    // The start marker, then the changes in groups (about one entry per change before): a write
    // per message of the watch thread (at most one per 50 ms, one at once), and at most as many
    // for files seen empty, whose hold a timer may release between two messages.
    expect(entries[0]).toMatchObject({ kind: 'marker', reason: 'daemon-start' });
    expect(entries.length - 1).toBeLessThanOrEqual(2 * (Math.ceil(elapsed / 45) + 2));
  });
});
