import { parseArgs } from 'node:util';
import { parseHostPort } from '../host-port.ts';
import { type DurationRule, durationText, resolveDuration } from '../options.ts';
import { UsageError } from './usage-error.ts';

/** Output formats of `batchwatch watch`. */
export const OutputFormat = { Text: 'text', Json: 'json' } as const;
export type OutputFormat = (typeof OutputFormat)[keyof typeof OutputFormat];

/** What `batchwatch watch` was asked to do. */
export interface WatchConfig {
  /** Local paths; the current directory when no source is named at all. */
  readonly paths: readonly string[];
  /** Watch Docker: `''` for DOCKER_HOST or the default socket, else the daemon's URL. */
  readonly docker: string | null;
  /** Watch a JFS notify server: its address and the paths to register. */
  readonly jfs: {
    readonly server: string;
    readonly paths: readonly string[];
    /** `--jfs-pod NAMESPACE/POD/CONTAINER`; unset: `$NAMESPACE`, `$POD_NAME`, `$CONTAINER_NAME`. */
    readonly pod?: JfsPod;
  } | null;
  /** `--ignore GLOB`s, in order given. */
  readonly ignore: readonly string[];
  /** Leave out `.git` and `node_modules` (unless `--no-default-ignores`). */
  readonly defaultIgnores: boolean;
  readonly interval: number;
  readonly coalesce: boolean;
  readonly format: OutputFormat;
  /** Serve Prometheus metrics on this port (`/metrics`); `null`: none. */
  readonly metricsPort: number | null;
  /** The interface of `--metrics [HOST:]PORT`; default 127.0.0.1. */
  readonly metricsHost: string;
  /** Durable delivery: the journal and checkpoints live in this directory; `null`: in memory. */
  readonly stateDir: string | null;
  /**
   * `--journal URL [--group NAME] [--consumer NAME] [--takeover-timeout MS]`:
   * durable delivery on a Redis stream shared by the processes of a group; `null`: none.
   */
  readonly journal: RedisJournalFlags | null;
  /** With `stateDir` or `journal`: list the dead letters and exit, instead of watching. */
  readonly listDeadLetters: boolean;
  /** With `stateDir` or `journal`: dead letters to replay (ids, or `'all'`) before watching. */
  readonly replay: readonly number[] | 'all';
  /** `--settle MS [--max-wait MS]`: a settling window instead of `interval`'s fixed one. */
  readonly settle?: { readonly quiet: number; readonly maxWait?: number };
  /** `--hold-while PATH`...: hold batches while one of these exists (relative: to each watched path). */
  readonly holdWhile?: readonly string[];
  /** `--max-hold MS`: the longest a hold keeps a batch open. */
  readonly maxHold?: number;
}

/** `--journal URL`, `--group NAME`, `--consumer NAME`, `--takeover-timeout MS`. */
export interface RedisJournalFlags {
  /** `redis://...`, `rediss://...`, `host:port[/db]`. */
  readonly url: string;
  /** Default `batchwatch`. */
  readonly group: string;
  /** `null`: `<hostname>-<pid>`. */
  readonly consumer: string | null;
  /** `null`: the journal's default (30,000 ms). */
  readonly takeoverTimeout: number | null;
}

/** The identity a JFS client gives the proxy. */
export interface JfsPod {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
}

/** What `batchwatch proxy` was asked to do; unset fields fall back to the Go proxy's variables. */
export interface ProxyConfig {
  /** The mounts file; unset with `kubernetes`. */
  readonly mounts?: string;
  /** Kubernetes mode: mounts from the API server, FSWatcher resources kept. */
  readonly kubernetes?: boolean;
  readonly listen?: string;
  readonly redis?: string;
  readonly debounce?: number;
  /** `auto` (default: the stream, or the channel when only Go daemons publish), `stream` or `pubsub`. */
  readonly feed?: 'auto' | 'stream' | 'pubsub';
  readonly metricsPort: number | null;
  readonly metricsHost: string;
  /** Limits and the registry lease (`--max-watches`, `--max-watched-paths`, `--registry-ttl`). */
  readonly maxWatchesPerConnection?: number;
  readonly maxWatchedPaths?: number;
  readonly registryTtl?: number;
  /** Files of a private CA, a client certificate and its key for `rediss://`. */
  readonly redisTls?: RedisTlsFiles;
}

/** `--redis-ca FILE`, `--redis-cert FILE`, `--redis-key FILE`. */
export interface RedisTlsFiles {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

/** What `batchwatch daemon` was asked to do. */
export interface DaemonConfig {
  readonly paths: readonly string[];
  readonly follow: boolean;
  readonly redis?: string;
  /** Kubernetes mode: also watch the paths FSWatcher resources name, of pods on `node` if set. */
  readonly kubernetes?: { readonly node?: string };
  /** Entries the stream keeps, roughly. */
  readonly streamMaxLen?: number;
  /** `--root PATH`: where anything may make the daemon watch. */
  readonly roots?: readonly string[];
  readonly redisTls?: RedisTlsFiles;
}

/** A parsed command line. */
export type Command =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'watch'; readonly config: WatchConfig }
  | { readonly kind: 'proxy'; readonly config: ProxyConfig }
  | { readonly kind: 'daemon'; readonly config: DaemonConfig };

// Any scheme: an unsupported one (ftp://) is refused by name rather than taken for a path.
const dockerUrl = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Parses `batchwatch [watch] [PATH...] [flags]`.
 *
 * @throws UsageError naming the bad flag or value.
 */
export function parseCommand(argv: readonly string[]): Command {
  const args = [...argv];
  switch (args[0]) {
    case 'help':
      return { kind: 'help' };
    case 'proxy':
      return parseProxy(args.slice(1));
    case 'daemon':
      return parseDaemon(args.slice(1));
    case 'watch':
      args.shift();
  }
  const { values, positionals } = usage(() => parse(optionalDockerValue(args)));
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };

  const interval = parseDuration('--interval', values.interval ?? '300', { exclusive: true });
  const settleAndHold = parseSettleAndHold(values);
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json') {
    throw new UsageError(`--format takes text or json, not "${format}".`);
  }
  const jfsPaths = values['jfs-path'] ?? [];
  if (values.jfs === undefined && jfsPaths.length > 0) {
    throw new UsageError('--jfs-path needs --jfs ADDR: the notify server to ask.');
  }
  if (values.jfs !== undefined && jfsPaths.length === 0) {
    throw new UsageError('--jfs needs at least one --jfs-path P: the remote paths to watch.');
  }
  if (values.jfs === undefined && values['jfs-pod'] !== undefined) {
    throw new UsageError('--jfs-pod needs --jfs ADDR: the notify server to ask.');
  }
  const pod = values['jfs-pod'] === undefined ? undefined : parseJfsPod(values['jfs-pod']);
  const docker = values.docker ?? null;
  const jfs =
    values.jfs === undefined
      ? null
      : { server: values.jfs, paths: jfsPaths, ...(pod === undefined ? {} : { pod }) };
  const paths = positionals.length === 0 && docker === null && jfs === null ? ['.'] : positionals;
  const metrics = parseMetricsAddress(values.metrics);
  const durable = parseDurableFlags(values);
  return {
    kind: 'watch',
    config: {
      paths,
      docker,
      jfs,
      ignore: values.ignore ?? [],
      defaultIgnores: !(values['no-default-ignores'] ?? false),
      interval,
      coalesce: values.coalesce ?? false,
      format,
      metricsPort: metrics.port,
      metricsHost: metrics.host,
      ...durable,
      ...settleAndHold,
    },
  };
}

/**
 * `--state-dir DIR` or `--journal URL [--group NAME] [--consumer NAME] [--takeover-timeout MS]`,
 * `--dead-letters`, `--replay ID|all`: durable delivery (see the README).
 */
function parseDurableFlags(values: {
  'state-dir'?: string | undefined;
  journal?: string | undefined;
  group?: string | undefined;
  consumer?: string | undefined;
  'takeover-timeout'?: string | undefined;
  'dead-letters'?: boolean | undefined;
  replay?: string[] | undefined;
}): Pick<WatchConfig, 'stateDir' | 'journal' | 'listDeadLetters' | 'replay'> {
  const stateDir = values['state-dir'] ?? null;
  if (stateDir === '') throw new UsageError('--state-dir needs a directory.');
  const journal = parseJournalFlags(values);
  if (stateDir !== null && journal !== null) {
    throw new UsageError('--state-dir and --journal are two journals: give one.');
  }
  const listDeadLetters = values['dead-letters'] ?? false;
  const replayed = values.replay ?? [];
  if (stateDir === null && journal === null && (listDeadLetters || replayed.length > 0)) {
    const flag = listDeadLetters ? '--dead-letters' : '--replay';
    throw new UsageError(
      `${flag} needs --state-dir DIR or --journal URL: the journal that keeps the dead letters.`,
    );
  }
  let replay: number[] | 'all' = [];
  for (const item of replayed) {
    if (item === 'all') replay = 'all';
    else if (/^[1-9]\d*$/.test(item)) {
      if (replay !== 'all') replay.push(Number(item));
    } else throw new UsageError(`--replay takes a dead letter's id or all, not "${item}".`);
  }
  return { stateDir, journal, listDeadLetters, replay };
}

function parseJournalFlags(values: {
  journal?: string | undefined;
  group?: string | undefined;
  consumer?: string | undefined;
  'takeover-timeout'?: string | undefined;
}): RedisJournalFlags | null {
  const url = values.journal;
  if (url === undefined) {
    for (const flag of ['group', 'consumer', 'takeover-timeout'] as const) {
      if (values[flag] !== undefined) {
        throw new UsageError(`--${flag} needs --journal URL: the Redis journal it belongs to.`);
      }
    }
    return null;
  }
  if (url === '') throw new UsageError('--journal needs a Redis URL, like redis://host:6379.');
  for (const flag of ['group', 'consumer'] as const) {
    if (values[flag] === '') throw new UsageError(`--${flag} needs a name.`);
  }
  const timeout = values['takeover-timeout'];
  let takeoverTimeout: number | null = null;
  if (timeout !== undefined) {
    takeoverTimeout = Number(timeout);
    if (!/^\d+$/.test(timeout) || takeoverTimeout < 30 || takeoverTimeout > 2_147_483_647) {
      throw new UsageError(
        `--takeover-timeout takes a whole number of ms from 30, not "${timeout}".`,
      );
    }
  }
  return {
    url,
    group: values.group ?? 'batchwatch',
    consumer: values.consumer ?? null,
    takeoverTimeout,
  };
}

/** `--settle`, `--max-wait`, `--hold-while`, `--max-hold`: how a batch window closes. */
function parseSettleAndHold(values: {
  interval?: string | undefined;
  settle?: string | undefined;
  'max-wait'?: string | undefined;
  'hold-while'?: string[] | undefined;
  'max-hold'?: string | undefined;
}): Pick<WatchConfig, 'settle' | 'holdWhile' | 'maxHold'> {
  const settle = values.settle;
  const maxWaitText = values['max-wait'];
  if (settle !== undefined && values.interval !== undefined) {
    throw new UsageError('--settle replaces --interval (a fixed window): give one of them.');
  }
  if (maxWaitText !== undefined && settle === undefined) {
    throw new UsageError('--max-wait needs --settle MS: it caps a settling window.');
  }
  const positive = { exclusive: true };
  const quiet = settle === undefined ? undefined : parseDuration('--settle', settle, positive);
  const maxWait =
    maxWaitText === undefined ? undefined : parseDuration('--max-wait', maxWaitText, positive);
  if (quiet !== undefined && maxWait !== undefined && maxWait < quiet) {
    throw new UsageError(`--max-wait (${maxWait}) must be at least --settle (${quiet}).`);
  }
  const holdWhile = values['hold-while'] ?? [];
  if (holdWhile.includes('')) throw new UsageError('--hold-while takes a file path, not "".');
  const maxHoldText = values['max-hold'];
  if (maxHoldText !== undefined && holdWhile.length === 0) {
    throw new UsageError('--max-hold needs --hold-while PATH: the file whose presence holds.');
  }
  return {
    ...(quiet === undefined
      ? {}
      : { settle: maxWait === undefined ? { quiet } : { quiet, maxWait } }),
    ...(holdWhile.length === 0 ? {} : { holdWhile }),
    ...(maxHoldText === undefined
      ? {}
      : { maxHold: parseDuration('--max-hold', maxHoldText, positive) }),
  };
}

/** Runs Node's parser, turning its errors into one-line usage errors. */
function usage<T>(run: () => T): T {
  try {
    return run();
  } catch (err) {
    const message = (err as Error).message;
    const unknown = /^Unknown option '([^']+)'/.exec(message)?.[1];
    const text = unknown === undefined ? message.replace(/\.$/, '') : `unknown flag ${unknown}`;
    throw new UsageError(`${text}. See batchwatch --help.`);
  }
}

function parseProxy(args: string[]): Command {
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

/** A whole-number flag >= 1, as `{ [option]: n }`, or nothing when not given. */
function optionalCount<K extends string>(
  flag: string,
  text: string | undefined,
  option: K,
): { [key in K]?: number } {
  if (text === undefined) return {};
  if (!/^[1-9]\d*$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${flag} takes a whole number >= 1, not "${text}".`);
  }
  return { [option]: Number(text) } as { [key in K]?: number };
}

/** A duration flag in ms, checked as the library checks duration options (at most 2^31-1 ms). */
function parseDuration(flag: string, text: string, rule: DurationRule = {}): number {
  const value = text.trim() === '' ? Number.NaN : Number(text);
  try {
    return resolveDuration(flag, value, rule);
  } catch {
    throw new UsageError(`${flag} takes ${durationText(rule)}, not "${text}".`);
  }
}

/**
 * `--metrics [HOST:]PORT`: a TCP port (0 picks a free one) on 127.0.0.1, or on HOST
 * (`0.0.0.0`, `[::]`, an interface address).
 */
function parseMetricsAddress(value: string | undefined): {
  port: number | null;
  host: string;
} {
  if (value === undefined) return { port: null, host: DEFAULT_METRICS_HOST };
  const parsed = /^\d+$/.test(value)
    ? { host: '', port: Number(value), path: '' }
    : parseHostPort(value);
  if (parsed === null || parsed.port === undefined || parsed.path !== '' || parsed.port > 65535) {
    throw new UsageError(
      `--metrics takes [HOST:]PORT, a TCP port from 0 to 65535 (HOST default ${DEFAULT_METRICS_HOST}), not "${value}".`,
    );
  }
  return { port: parsed.port, host: parsed.host === '' ? DEFAULT_METRICS_HOST : parsed.host };
}

/** Where `--metrics PORT` listens without a HOST: this machine only. */
const DEFAULT_METRICS_HOST = '127.0.0.1';

/** `--jfs-pod NAMESPACE/POD/CONTAINER`: three non-empty names. */
function parseJfsPod(value: string): JfsPod {
  const parts = value.split('/');
  if (parts.length !== 3 || parts.some((part) => part === '')) {
    throw new UsageError(
      `--jfs-pod takes NAMESPACE/POD/CONTAINER (the pod the proxy maps paths for), not "${value}".`,
    );
  }
  const [namespace, pod, container] = parts as [string, string, string];
  return { namespace, pod, container };
}

function parseDaemon(args: string[]): Command {
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

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      docker: { type: 'string' },
      jfs: { type: 'string' },
      'jfs-path': { type: 'string', multiple: true },
      'jfs-pod': { type: 'string' },
      ignore: { type: 'string', multiple: true },
      'no-default-ignores': { type: 'boolean' },
      interval: { type: 'string' },
      coalesce: { type: 'boolean' },
      format: { type: 'string' },
      metrics: { type: 'string' },
      'state-dir': { type: 'string' },
      journal: { type: 'string' },
      group: { type: 'string' },
      consumer: { type: 'string' },
      'takeover-timeout': { type: 'string' },
      'dead-letters': { type: 'boolean' },
      replay: { type: 'string', multiple: true },
      settle: { type: 'string' },
      'max-wait': { type: 'string' },
      'hold-while': { type: 'string', multiple: true },
      'max-hold': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
}

/** `--docker` takes a value only when one that looks like a daemon URL follows. */
function optionalDockerValue(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg !== '--docker') {
      out.push(arg);
      continue;
    }
    const next = args[i + 1];
    if (next !== undefined && dockerUrl.test(next)) {
      out.push(`--docker=${next}`);
      i++;
    } else {
      out.push('--docker=');
    }
  }
  return out;
}
