// Internal: not reachable from the declarations of an entry point (client-node's own types do not
// compile with skipLibCheck: false).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { OptionsError } from '../errors.ts';
import { rejectUnknownOptions, resolveCount } from '../options.ts';
import {
  DEFAULT_KUBE_CLIENT_OPTIONS,
  KUBE_CLIENT_OPTION_NAMES,
  type KubeClientOptions,
} from './kube-client-options.ts';

/** A loaded configuration: where it came from, and the options that shape the client. */
export interface LoadedKubeConfig {
  readonly config: KubeConfig;
  /** The first kubeconfig file, or `(in-cluster)`. */
  readonly source: string;
  readonly timeout: number;
  readonly program: string | undefined;
}

/**
 * Validates `options` and loads the configuration as kubectl does: `kubeconfig`, else
 * `$KUBECONFIG` (merged), else `$HOME/.kube/config`, else in-cluster.
 *
 * @throws OptionsError naming `kubeconfig` when it cannot be loaded or names no cluster, or
 *   naming an unknown option or a `watchTimeout` that is not a whole number of seconds >= 1.
 */
export function loadKubeConfig(options: KubeClientOptions): LoadedKubeConfig {
  rejectUnknownOptions(options, KUBE_CLIENT_OPTION_NAMES);
  const env = options.env ?? process.env;
  const timeout = resolveCount(
    'watchTimeout',
    options.watchTimeout ?? DEFAULT_KUBE_CLIENT_OPTIONS.watchTimeout,
    { min: 1 },
  );
  if (options.program !== undefined && typeof options.program !== 'string') {
    throw new OptionsError('program', options.program, 'a program name such as "proxy"');
  }
  const files =
    options.kubeconfig !== undefined
      ? [options.kubeconfig]
      : (env['KUBECONFIG'] ?? '').split(':').filter((part) => part !== '');
  const home = env['HOME'];
  if (files.length === 0 && home !== undefined && home !== '') {
    const personal = join(home, '.kube', 'config');
    if (existsSync(personal)) files.push(personal);
  }
  const file = files[0];
  const config = new KubeConfig();
  try {
    if (file === undefined) config.loadFromCluster();
    else {
      config.loadFromFile(file);
      for (const more of files.slice(1)) {
        const next = new KubeConfig();
        next.loadFromFile(more);
        // kubectl: the first file to set a value wins, current-context included.
        config.mergeConfig(next, Boolean(config.currentContext));
      }
    }
  } catch (err) {
    throw new OptionsError(
      'kubeconfig',
      file ?? '(in-cluster)',
      `a readable kubeconfig (${loadProblem(err)})`,
    );
  }
  const server = config.getCurrentCluster()?.server;
  if (server === undefined || server === '' || server.includes('undefined')) {
    throw new OptionsError(
      'kubeconfig',
      file ?? '(in-cluster)',
      file === undefined
        ? 'KUBECONFIG, $HOME/.kube/config, or a pod with KUBERNETES_SERVICE_HOST and a service account'
        : 'a kubeconfig whose current context names a cluster with a server',
    );
  }
  if (config.clusters.some((cluster) => cluster.server.startsWith('http://'))) {
    // kubectl talks plain HTTP to an http:// server; client-node refuses unless TLS checks are
    // off, which mean nothing without TLS. Say so for those clusters only.
    config.loadFromOptions({
      clusters: config.clusters.map((cluster) =>
        cluster.server.startsWith('http://') ? { ...cluster, skipTLSVerify: true } : cluster,
      ),
      users: config.users,
      contexts: config.contexts,
      currentContext: config.currentContext,
    });
  }
  return { config, source: file ?? '(in-cluster)', timeout, program: options.program };
}

/**
 * Why a kubeconfig did not load, without its content: a YAML error's message quotes the lines
 * around the mistake, which may hold a token or a key.
 */
function loadProblem(err: unknown): string {
  const record = err as { name?: unknown; reason?: unknown; mark?: { line?: unknown } } | null;
  if (record?.name === 'YAMLException') {
    const line = typeof record.mark?.line === 'number' ? ` at line ${record.mark.line + 1}` : '';
    return `not valid YAML: ${String(record.reason)}${line}`;
  }
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}
