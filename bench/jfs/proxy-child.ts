// The proxy of bench/jfs/end-to-end.ts, in a process of its own so that its memory is measured alone.
// Started with the Redis port, the channel, the feed (default pubsub) and the records per frame
// (default 128); reports `{ address }`, then answers `memory` with its usage and `cpu` with its
// CPU time so far (user + system, in seconds).
import { JfsProxy } from '../../lib/jfs-proxy/jfs-proxy.ts';
import { StaticMountResolver } from '../../lib/jfs-proxy/static-mount-resolver.ts';

const [redisPort, channel, feed = 'pubsub', records = '128'] = process.argv.slice(2) as [
  string,
  string,
  string?,
  string?,
];
const proxy = await JfsProxy.start({
  mounts: new StaticMountResolver([
    {
      namespace: 'default',
      pod: 'bench',
      container: 'app',
      mounts: [{ mountPath: '/data', hostPath: '/node/data' }],
    },
  ]),
  listen: '127.0.0.1:0',
  redisAddr: `127.0.0.1:${redisPort}`,
  channel,
  writeDebounce: 0,
  feed: feed === 'stream' ? 'stream' : 'pubsub',
  maxRecordsPerFrame: Number(records),
  env: {},
});
await proxy.subscribed();
process.send?.({ address: proxy.address });
process.on('message', async (message: string) => {
  if (message === 'memory') {
    (globalThis as { gc?: () => void }).gc?.();
    process.send?.({ memory: process.memoryUsage(), stats: proxy.stats() });
  } else if (message === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send?.({ cpu: (user + system) / 1e6, stats: proxy.stats() });
  } else if (message === 'close') {
    await proxy.close();
    process.disconnect();
  }
});
