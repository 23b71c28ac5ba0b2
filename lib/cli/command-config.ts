// What each `batchwatch` command was asked to do: the parsed command line's shapes.

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
