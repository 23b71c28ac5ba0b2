// Redis faults under the real daemon and proxy programs while files are created at 40/s.
import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import {
  chain,
  during,
  isReload,
  receives,
  reloadedAndFlowing,
  stopWithoutSilentLoss,
  undelivered,
  watchData,
  writer,
} from './jfs-fault-support.ts';

const cleanup = cleanupAfterEach();

describe('the JFS chain under Redis faults (real redis-server, daemon and proxy programs)', () => {
  it('Redis connections dropped again and again for 2 s: every event delivered, no ForceReload', async () => {
    const setup = await chain(cleanup);
    await setup.startDaemon();
    const { port } = await setup.startProxy();
    const client = watchData(`127.0.0.1:${port}`, cleanup);
    await client.ready;
    const files = writer(setup.node);
    cleanup(files.stop);
    // The chain carries changes before the fault starts.
    await receives(client, 5);
    const admin = new Redis({ port: setup.redis.port, lazyConnect: true });
    cleanup(() => admin.disconnect());
    await admin.connect();
    const until = Date.now() + 2000;
    let killed = 0;
    while (Date.now() < until) {
      killed += Number(await admin.client('KILL', 'TYPE', 'normal'));
      killed += Number(await admin.client('KILL', 'TYPE', 'pubsub'));
      await during(100);
    }
    await during(1000);
    await files.stop();
    await vi.waitFor(() => expect(undelivered(files.created, client.events)).toEqual([]), {
      timeout: 15_000,
    });
    expect(killed).toBeGreaterThan(20);
    expect(client.events.filter(isReload)).toEqual([]);
    expect(files.created.length).toBeGreaterThan(100);
  }, 60_000);

  it('Redis SIGKILLed and restarted 3 times: every missed event is followed by a ForceReload', async () => {
    const setup = await chain(cleanup);
    await setup.startDaemon();
    const { port } = await setup.startProxy();
    const client = watchData(`127.0.0.1:${port}`, cleanup);
    await client.ready;
    const files = writer(setup.node);
    cleanup(files.stop);
    await receives(client, 5);
    for (let round = 1; round <= 3; round++) {
      const reloads = client.events.filter(isReload).length;
      await setup.redis.kill();
      await during(500);
      await setup.redis.start();
      // Back in business: the client was told to re-list, and changes flow again.
      await reloadedAndFlowing(client, reloads);
    }
    await during(500);
    await stopWithoutSilentLoss(files, client);
  }, 90_000);
});
