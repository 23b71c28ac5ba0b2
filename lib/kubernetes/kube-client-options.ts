import { optionNames } from '../options.ts';

/** How to reach the API server. */
export interface KubeClientOptions {
  /**
   * A kubeconfig file. Default: as kubectl finds it: `$KUBECONFIG` when set
   * (its files merged, the first to set a value wins), else
   * `$HOME/.kube/config` when it exists, else the pod's service account
   * (in-cluster: `KUBERNETES_SERVICE_HOST`, the mounted token and CA).
   */
  readonly kubeconfig?: string;
  /** The environment to read. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Seconds after which the API server ends a watch (`timeoutSeconds`, with
   * `allowWatchBookmarks`), as real controllers ask; the watch then resumes
   * from the last version seen. The client gives up on a watch that sent
   * nothing for this long plus 30 s. Default 300.
   */
  readonly watchTimeout?: number;
  /** The program using this client (`proxy`, `daemon`), named in the advice of a 403. Default: none. */
  readonly program?: string;
}

/** The defaults of {@link KubeClientOptions}. */
export const DEFAULT_KUBE_CLIENT_OPTIONS = Object.freeze({ watchTimeout: 300 });

export const KUBE_CLIENT_OPTION_NAMES = optionNames({
  kubeconfig: true,
  env: true,
  watchTimeout: true,
  program: true,
} satisfies Record<keyof KubeClientOptions, true>);
