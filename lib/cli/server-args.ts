import { parseArgs } from 'node:util';
import type { Command, RedisTlsFiles } from './command-config.ts';
import { optionalCount, parseDuration, parseMetricsAddress, usage } from './flag-values.ts';
import { UsageError } from './usage-error.ts';

// `batchwatch proxy` and `batchwatch daemon`: their flags.

export function parseProxy(args: string[]): Command {
  const { values } = usage(() =>
    parseArgs({
      args,
      strict: true,
      options: {
        mounts: { type: 'string' },
        kubernetes: { type: 'boolean' },
        listen: { type: 'string' },
        redis: { type: 'string' },
        debounce: { type: 'string' },
        feed: { type: 'string' },
        metrics: { type: 'string' },
        'max-watches': { type: 'string' },
        'max-watched-paths': { type: 'string' },
        'registry-ttl': { type: 'string' },
        ...redisTlsFlags,
        help: { type: 'boolean', short: 'h' },
      },
    }),
  );
  if (values.help) return { kind: 'help' };
  const limits = {
    ...optionalCount('--max-watches', values['max-watches'], 'maxWatchesPerConnection'),
    ...optionalCount('--max-watched-paths', values['max-watched-paths'], 'maxWatchedPaths'),
    ...(values['registry-ttl'] === undefined
      ? {}
      : { registryTtl: parseDuration('--registry-ttl', values['registry-ttl'], { min: 1 }) }),
    ...redisTls(values),
  };
  if (values.mounts === undefined && !values.kubernetes) {
    throw new UsageError(
      'proxy needs --mounts FILE (the containers and their hostPath mounts) or --kubernetes (see --help).',
    );
  }
  if (values.mounts !== undefined && values.kubernetes) {
    throw new UsageError('proxy takes --mounts FILE or --kubernetes, not both.');
  }
  const debounce =
    values.debounce === undefined ? undefined : parseDuration('--debounce', values.debounce);
  const feed = values.feed;
  if (feed !== undefined && feed !== 'auto' && feed !== 'stream' && feed !== 'pubsub') {
    throw new UsageError(`--feed takes auto, stream or pubsub, not "${feed}".`);
  }
  const metrics = parseMetricsAddress(values.metrics);
  return {
    kind: 'proxy',
    config: {
      ...(values.mounts === undefined ? { kubernetes: true } : { mounts: values.mounts }),
      ...(values.listen === undefined ? {} : { listen: values.listen }),
      ...(values.redis === undefined ? {} : { redis: values.redis }),
      ...(debounce === undefined ? {} : { debounce }),
      ...(feed === undefined ? {} : { feed }),
      metricsPort: metrics.port,
      metricsHost: metrics.host,
      ...limits,
    },
  };
}

const redisTlsFlags = {
  'redis-ca': { type: 'string' },
  'redis-cert': { type: 'string' },
  'redis-key': { type: 'string' },
} as const;

/** The `--redis-ca/-cert/-key` files given, if any. */
function redisTls(values: {
  'redis-ca'?: string | undefined;
  'redis-cert'?: string | undefined;
  'redis-key'?: string | undefined;
}): { redisTls?: RedisTlsFiles } {
  const { 'redis-ca': ca, 'redis-cert': cert, 'redis-key': key } = values;
  if ((cert === undefined) !== (key === undefined)) {
    throw new UsageError(
      '--redis-cert and --redis-key go together (a client certificate and its key).',
    );
  }
  if (ca === undefined && cert === undefined) return {};
  return {
    redisTls: {
      ...(ca === undefined ? {} : { ca }),
      ...(cert === undefined ? {} : { cert }),
      ...(key === undefined ? {} : { key }),
    },
  };
}

export function parseDaemon(args: string[]): Command {
  const { values, positionals } = usage(() =>
    parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        redis: { type: 'string' },
        'no-follow': { type: 'boolean' },
        kubernetes: { type: 'boolean' },
        node: { type: 'string' },
        'stream-max-len': { type: 'string' },
        root: { type: 'string', multiple: true },
        ...redisTlsFlags,
        help: { type: 'boolean', short: 'h' },
      },
    }),
  );
  if (values.help) return { kind: 'help' };
  const roots = values.root ?? [];
  const relativeRoot = roots.find((root) => !root.startsWith('/'));
  if (relativeRoot !== undefined) {
    throw new UsageError(`--root takes an absolute node directory, not "${relativeRoot}".`);
  }
  const tls = redisTls(values);
  const relative = positionals.find((path) => !path.startsWith('/'));
  if (relative !== undefined)
    throw new UsageError(`daemon takes absolute node paths, not "${relative}".`);
  const follow = !values['no-follow'];
  if (values.node !== undefined && !values.kubernetes) {
    throw new UsageError('daemon --node NAME needs --kubernetes.');
  }
  if (!follow && positionals.length === 0 && !values.kubernetes) {
    throw new UsageError('daemon --no-follow needs at least one NODE_PATH to watch.');
  }
  const maxLen = values['stream-max-len'];
  if (maxLen !== undefined && !/^[1-9]\d*$/.test(maxLen)) {
    throw new UsageError(`--stream-max-len takes a whole number >= 1, not "${maxLen}".`);
  }
  return {
    kind: 'daemon',
    config: {
      paths: positionals,
      follow,
      ...(values.redis === undefined ? {} : { redis: values.redis }),
      ...(values.kubernetes
        ? { kubernetes: values.node === undefined ? {} : { node: values.node } }
        : {}),
      ...(maxLen === undefined ? {} : { streamMaxLen: Number(maxLen) }),
      ...(roots.length === 0 ? {} : { roots }),
      ...tls,
    },
  };
}
