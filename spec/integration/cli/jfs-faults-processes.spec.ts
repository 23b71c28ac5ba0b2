// Daemon and proxy programs SIGKILLed while files are created at 40/s: no silent loss.
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../../support/cleanups.ts';
import {
  chain,
  during,
  frontDoor,
  kill,
  receives,
  reloadedAndFlowing,
  stopWithoutSilentLoss,
  watchData,
  writer,
} from './jfs-fault-support.ts';

const cleanup = cleanupAfterEach();

describe('the JFS chain when its programs die (real redis-server, daemon and proxy programs)', () => {
  it('daemon SIGKILLed and restarted: every missed event is followed by a ForceReload', async () => {
    const setup = await chain(cleanup);
    const daemon = await setup.startDaemon();
    const { port, cli: proxy } = await setup.startProxy();
    const client = watchData(`127.0.0.1:${port}`, cleanup);
    await client.ready;
    const files = writer(setup.node);
    cleanup(files.stop);
    await receives(client, 5);
    await kill(daemon);
    await during(1000);
    await setup.startDaemon();
    await reloadedAndFlowing(client, 0);
    await stopWithoutSilentLoss(files, client);
    // The proxy's log says why every client was disconnected (not only under DEBUG).
    expect(proxy.stderr()).toMatch(
      /batchwatch proxy: warning: resync \(daemon-start\): a daemon \(re\)started.*; 1 client\(s\) disconnected/,
    );
  }, 60_000);

  it('proxy SIGKILLed and restarted on its port: every missed event is followed by a ForceReload', async () => {
    const setup = await chain(cleanup);
    await setup.startDaemon();
    const first = await setup.startProxy();
    const client = watchData(`127.0.0.1:${first.port}`, cleanup);
    await client.ready;
    const files = writer(setup.node);
    cleanup(files.stop);
    await receives(client, 5);
    await kill(first.cli);
    await during(1000);
    await setup.startProxy(first.port);
    await reloadedAndFlowing(client, 0);
    await stopWithoutSilentLoss(files, client);
  }, 60_000);

  it('two proxies on one Redis, the one serving the client killed: it is served by the other, nothing lost silently', async () => {
    const setup = await chain(cleanup);
    await setup.startDaemon();
    const a = await setup.startProxy();
    const b = await setup.startProxy();
    const door = await frontDoor([a.port, b.port], cleanup);
    const client = watchData(`127.0.0.1:${door}`, cleanup);
    await client.ready;
    const files = writer(setup.node);
    cleanup(files.stop);
    await receives(client, 5);
    await kill(a.cli);
    await reloadedAndFlowing(client, 0);
    await stopWithoutSilentLoss(files, client);
  }, 60_000);
});
