import { parseArgs } from 'node:util';
import type { Command } from './command-config.ts';
import { parseDuration, parseJfsPod, parseMetricsAddress, usage } from './flag-values.ts';
import { parseDaemon, parseProxy } from './server-args.ts';
import { UsageError } from './usage-error.ts';
import { parseDurableFlags, parseSettleAndHold } from './watch-flags.ts';

export type {
  Command,
  DaemonConfig,
  JfsPod,
  ProxyConfig,
  RedisJournalFlags,
  RedisTlsFiles,
  WatchConfig,
} from './command-config.ts';
export { OutputFormat } from './command-config.ts';

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
