import { JfsDaemon } from '../jfs-daemon/jfs-daemon.ts';
import { JfsProxy } from '../jfs-proxy/jfs-proxy.ts';
import { StaticMountResolver } from '../jfs-proxy/static-mount-resolver.ts';
import { type MetricsEndpoint, startMetrics } from './metrics-endpoint.ts';
import type { DaemonConfig, ProxyConfig } from './parse-args.ts';
import type { CliContext } from './watch-command.ts';

/**
 * `batchwatch proxy`: serves JFS clients from the Redis feed until a stop
 * request, then closes and prints its counters.
 */
export async function runProxy(config: ProxyConfig, cli: CliContext): Promise<number> {
  const proxy = await JfsProxy.start({
    mounts: StaticMountResolver.fromFile(config.mounts),
    env: cli.env,
    ...(config.listen === undefined ? {} : { listen: config.listen }),
    ...(config.redis === undefined ? {} : { redisAddr: config.redis }),
    ...(config.debounce === undefined ? {} : { writeDebounce: config.debounce }),
    ...(config.feed === undefined ? {} : { feed: config.feed }),
  });
  const line = (text: string): unknown => cli.stderr.write(`batchwatch proxy: ${text}\n`);
  line(`listening on ${proxy.address}`);
  let metrics: MetricsEndpoint | null = null;
  if (config.metricsPort !== null) {
    try {
      metrics = await startMetrics(config.metricsPort);
    } catch (err) {
      await proxy.close();
      throw err;
    }
    metrics.watchProxy(proxy);
    line(`metrics on ${metrics.url}`);
  }
  const status = proxy.redisStatus$.subscribe((state) => line(`redis ${state}`));
  const warnings = proxy.warnings$.subscribe((warning) => line(`warning: ${warning.message}`));
  const signal = await cli.stopRequested;
  line(`${signal}: closing`);
  await proxy.close();
  await metrics?.close();
  status.unsubscribe();
  warnings.unsubscribe();
  const stats = proxy.stats();
  line(
    `${stats.connectionsTotal} connection(s), ${stats.framesIn} frame(s) in, ${stats.eventsDelivered} event(s) delivered, ` +
      `${stats.debounced} write(s) debounced, ${stats.droppedClients} slow client(s) dropped, ${stats.malformedFrames} malformed frame(s), ` +
      `${Object.values(stats.resyncs).reduce((a, b) => a + b, 0)} resync(s)`,
  );
  return 0;
}

/**
 * `batchwatch daemon`: publishes node-side changes to Redis until a stop
 * request, then closes and prints its counters.
 */
export async function runDaemon(config: DaemonConfig, cli: CliContext): Promise<number> {
  const daemon = await JfsDaemon.start({
    paths: config.paths,
    followProxies: config.follow,
    env: cli.env,
    ...(config.redis === undefined ? {} : { redisAddr: config.redis }),
    ...(config.streamMaxLen === undefined ? {} : { streamMaxLen: config.streamMaxLen }),
  });
  const line = (text: string): unknown => cli.stderr.write(`batchwatch daemon: ${text}\n`);
  line(
    `watching ${daemon.watchList().length} path(s)${config.follow ? ' and those proxies register' : ''}`,
  );
  const warnings = daemon.warnings$.subscribe((warning) => line(`warning: ${warning.message}`));
  const signal = await cli.stopRequested;
  line(`${signal}: closing`);
  await daemon.close();
  warnings.unsubscribe();
  const stats = daemon.stats();
  line(
    `${stats.events} change(s) seen, ${stats.published} change(s) published, ${stats.dropped} dropped, ${stats.resyncs} registry read(s)`,
  );
  return 0;
}
