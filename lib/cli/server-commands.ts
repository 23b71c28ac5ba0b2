import type { JfsProxy } from '../jfs-proxy/jfs-proxy.ts';
import { watchHeapBudget } from './heap-budget.ts';
import { listenFailure } from './listen-failure.ts';
import { type MetricsEndpoint, startMetrics } from './metrics-endpoint.ts';
import type { DaemonConfig, ProxyConfig } from './parse-args.ts';
import { pathProblem } from './path-problem.ts';
import { readRedisTls, redisPreflight } from './redis-preflight.ts';
import type { CliContext } from './watch-command.ts';

/**
 * `batchwatch proxy`: serves JFS clients from the Redis feed until a stop
 * request, then closes and prints its counters.
 */
export async function runProxy(config: ProxyConfig, cli: CliContext): Promise<number> {
  const { JfsProxy } = await import('../jfs-proxy/jfs-proxy.ts');
  const { StaticMountResolver } = await import('../jfs-proxy/static-mount-resolver.ts');
  const listen = config.listen ?? cli.env['MULTICAST_SERVER'] ?? ':5079';
  // The inputs first (quick, bounded), then Redis.
  const fileMounts = config.kubernetes
    ? undefined
    : StaticMountResolver.fromFile(config.mounts as string);
  const redisTls = readRedisTls(config.redisTls);
  await redisPreflight(config.redis, redisTls, cli.env, (text) =>
    cli.stderr.write(`batchwatch proxy: ${text}\n`),
  );
  const k8s = config.kubernetes ? await kubernetesProxyParts(cli) : undefined;
  let proxy: JfsProxy;
  try {
    proxy = await JfsProxy.start({
      mounts: k8s?.mounts ?? (fileMounts as NonNullable<typeof fileMounts>),
      ...(k8s === undefined ? {} : { watchers: k8s.watchers }),
      env: cli.env,
      ...(config.listen === undefined ? {} : { listen: config.listen }),
      ...(config.redis === undefined ? {} : { redisAddr: config.redis }),
      ...(config.debounce === undefined ? {} : { writeDebounce: config.debounce }),
      ...(config.feed === undefined ? {} : { feed: config.feed }),
      ...(config.maxWatchesPerConnection === undefined
        ? {}
        : { maxWatchesPerConnection: config.maxWatchesPerConnection }),
      ...(config.maxWatchedPaths === undefined ? {} : { maxWatchedPaths: config.maxWatchedPaths }),
      ...(config.registryTtl === undefined ? {} : { registryTtl: config.registryTtl }),
      ...(redisTls === undefined ? {} : { redisTls }),
    });
  } catch (err) {
    await k8s?.close();
    throw listenFailure(err, config.listen === undefined ? 'MULTICAST_SERVER' : '--listen', listen);
  }
  const line = (text: string): unknown => cli.stderr.write(`batchwatch proxy: ${text}\n`);
  if (k8s !== undefined) line(`kubernetes API at ${k8s.server}`);
  let metrics: MetricsEndpoint | null = null;
  if (config.metricsPort !== null) {
    try {
      metrics = await startMetrics(config.metricsPort, config.metricsHost);
    } catch (err) {
      await proxy.close();
      throw err;
    }
    metrics.watchProxy(proxy);
  }
  cli.serving();
  // In a burst, garbage is collected every HEAP_BUDGET_MB, not when V8's heuristics would.
  const stopHeapBudget = watchHeapBudget();
  // Printed once everything listens, so that a failure is the only line.
  line(`listening on ${proxy.address}`);
  line(FEED_LINES[config.feed ?? 'auto']);
  if (metrics !== null) line(`metrics on ${metrics.url}`);
  // Why Redis cannot be used is said once per new reason, not on every attempt.
  let reason = '';
  const status = proxy.redisStatus$.subscribe((state) => {
    const why = state.kind === 'reconnecting' ? state.error.message : '';
    line(why === '' || why === reason ? `redis ${state.kind}` : `redis ${state.kind}: ${why}`);
    reason = why === '' ? reason : why;
  });
  const warnings = proxy.warnings$.subscribe((warning) => line(`warning: ${warning.message}`));
  k8s?.watchers.warnings$.subscribe((warning) => line(`warning: ${warning.message}`));
  // A pod read that fails for good reaches the client's warning above; these are the retried ones.
  k8s?.mounts.warnings$.subscribe((warning) => {
    if (warning.transient) line(`warning: ${warning.message} (retrying)`);
  });
  const signal = await cli.stopRequested;
  line(`${signal}: closing`);
  stopHeapBudget();
  await proxy.close();
  await k8s?.close();
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

/** What the proxy reads, and what that mode can and cannot prove, once at start. */
const FEED_LINES = {
  auto:
    'feed auto: reading the stream (replayed after any Redis disconnection); switching to the ' +
    'channel, and saying so, if only Go daemons publish there',
  stream: 'feed stream: reading the stream only (replayed after any Redis disconnection)',
  pubsub:
    'feed pubsub: reading the channel (Go daemons); no replay: every Redis reconnection resyncs ' +
    'every client',
} as const;

/**
 * `batchwatch daemon`: publishes node-side changes to Redis until a stop
 * request, then closes and prints its counters.
 */
export async function runDaemon(config: DaemonConfig, cli: CliContext): Promise<number> {
  const redisTls = readRedisTls(config.redisTls);
  await redisPreflight(config.redis, redisTls, cli.env, (text) =>
    cli.stderr.write(`batchwatch daemon: ${text}\n`),
  );
  const k8s = config.kubernetes === undefined ? undefined : await fsWatcherPaths(config, cli);
  const { JfsDaemon } = await import('../jfs-daemon/jfs-daemon.ts');
  const daemon = await JfsDaemon.start({
    ...(k8s === undefined ? {} : { pathSource: k8s }),
    paths: config.paths,
    followProxies: config.follow,
    env: cli.env,
    ...(config.redis === undefined ? {} : { redisAddr: config.redis }),
    ...(config.streamMaxLen === undefined ? {} : { streamMaxLen: config.streamMaxLen }),
    roots: config.roots ?? [],
    ...(redisTls === undefined ? {} : { redisTls }),
  });
  cli.serving();
  const line = (text: string): unknown => cli.stderr.write(`batchwatch daemon: ${text}\n`);
  const { AllowedRoots } = await import('../jfs-daemon/allowed-roots.ts');
  const allowed = new AllowedRoots(config.roots ?? []);
  for (const path of config.paths) {
    const problem = pathProblem(path);
    if (problem !== null)
      line(`warning: ${path} ${problem}: no change there is seen until it is fixed`);
    // Refused while the daemon started (before its warnings could be printed).
    const refusal = await allowed.check(path);
    if (refusal !== null) line(`warning: not watching ${path}: ${refusal}`);
  }
  line(
    `watching ${daemon.watchList().length} path(s)${config.follow ? ' and those proxies register' : ''}`,
  );
  // No default root, even in Kubernetes mode: hostPath volumes live wherever the cluster puts
  // them (Olares: /olares/rootfs/...), never under the kubelet's pod directory.
  const roots = config.roots ?? [];
  if (roots.length > 0) line(`watching only under ${roots.join(', ')}`);
  else if (config.follow || config.kubernetes !== undefined) {
    line('warning: no --root: a registry entry or FSWatcher may name any node path');
  }
  // The same warning again (each reconnection to a Redis that refuses) is said once.
  let last = '';
  const warnings = daemon.warnings$.subscribe((warning) => {
    if (warning.message !== last) line(`warning: ${warning.message}`);
    last = warning.message;
  });
  // Said when true: "following" once the lists are in; each failed list or watch as it is retried.
  k8s?.status$.subscribe((state) => {
    if (state.kind === 'ready') {
      line(
        `following FSWatchers${config.kubernetes?.node ? ` of pods on ${config.kubernetes.node}` : ''}`,
      );
    } else if (state.kind === 'reconnecting') {
      line(
        `warning: ${state.error.message} (retry ${state.attempt} in ${Math.round(state.delayMs)} ms)`,
      );
    } else if (state.kind === 'closed' && state.error !== undefined) {
      line(`warning: ${state.error.message} (no more retries)`);
    }
  });
  const signal = await cli.stopRequested;
  line(`${signal}: closing`);
  await daemon.close();
  await k8s?.close();
  warnings.unsubscribe();
  const stats = daemon.stats();
  line(
    `${stats.events} change(s) seen, ${stats.published} change(s) published, ${stats.dropped} dropped, ${stats.resyncs} registry read(s)`,
  );
  return 0;
}

/** Kubernetes mode of the proxy; `batchwatch/kubernetes` (and its client) loads only here. */
async function kubernetesProxyParts(cli: CliContext) {
  const { FsWatcherKeeper, KubeClient, KubernetesMountResolver } = await import(
    '../kubernetes/index.ts'
  );
  const client = KubeClient.load({ env: cli.env, program: 'proxy' });
  const mounts = new KubernetesMountResolver(client);
  const watchers = new FsWatcherKeeper(client);
  return {
    server: client.server,
    mounts,
    watchers,
    close: async (): Promise<void> => {
      await watchers.close();
      await mounts.close();
    },
  };
}

/** Kubernetes mode of the daemon: the paths FSWatcher resources name. */
async function fsWatcherPaths(config: DaemonConfig, cli: CliContext) {
  const { FsWatcherPaths, KubeClient } = await import('../kubernetes/index.ts');
  return FsWatcherPaths.start(
    KubeClient.load({ env: cli.env, program: 'daemon' }),
    config.kubernetes,
  );
}
