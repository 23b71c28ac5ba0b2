// "Ready means watching": a file created the instant a client's ready() resolves is delivered,
// although the daemon only starts watching that directory after the proxy registered it.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import { client, nodeDir, startDaemon, startProxy, uniqueChannel } from './support.ts';

const cleanup = cleanupAfterEach();

describe('ready means watching', () => {
  it('delivers a file created the instant ready() resolves (100 tries, each a directory no one watched)', async () => {
    const node = await nodeDir();
    cleanup(node.cleanup);
    const channel = uniqueChannel();
    const daemon = await startDaemon({ channel });
    cleanup(() => daemon.close());
    const proxy = await startProxy(node.mounts, { channel, writeDebounce: 20 });
    cleanup(() => proxy.close());
    let delivered = 0;
    for (let i = 0; i < 100; i++) {
      await mkdir(join(node.dir, `t${i}`));
      const c = client(proxy.address, [`/data/t${i}`], `try${i}`);
      cleanup(c.stop);
      await c.source.ready();
      await writeFile(join(node.dir, `t${i}`, 'at-ready.txt'), 'x');
      await vi.waitFor(
        () =>
          expect(c.events.map((event) => event.actorName)).toContain(`/data/t${i}/at-ready.txt`),
        { timeout: 10_000, interval: 10 },
      );
      delivered++;
      c.stop();
    }
    expect(delivered).toBe(100);
    expect(proxy.stats().resyncs).toMatchObject({ 'daemon-start': 0, trimmed: 0 });
  }, 120_000);
});
