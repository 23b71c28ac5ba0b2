/** The text of `batchwatch --help`. */
export const helpText = `batchwatch: Docker, file and remote file-notify events, batched.

Usage:
  batchwatch [watch] [PATH...] [--docker [URL]] [--jfs ADDR --jfs-path P...]
                     [--interval MS] [--coalesce] [--format text|json]
                     [--state-dir DIR [--replay ID|all]...]
  batchwatch watch --state-dir DIR --dead-letters

With no source named, watches the current directory. Prints each flushed
batch on stdout; statuses and warnings go to stderr. Ctrl-C flushes what is
pending, prints a summary and exits 0.

Sources:
  PATH...            files or directories to watch (a file through its directory)
  --docker [URL]     Docker container events; URL like unix:///var/run/docker.sock
                     or tcp://host:2375 (default: DOCKER_HOST, else the local socket)
  --jfs ADDR         a JFS notify server (host:port, unix:/path); with
  --jfs-path P       a remote path to watch (repeatable)

Batching and output:
  --interval MS      batch window in milliseconds (default 300)
  --coalesce         one event per container or path per batch
  --format FORMAT    text (default) or json: one {"batch":N,"events":[...]} per line
  --metrics PORT     serve Prometheus metrics on http://127.0.0.1:PORT/metrics
                     (needs the optional dependency prom-client)

Durable delivery:
  --state-dir DIR    keep the journal in DIR/journal.sqlite (created if missing):
                     every event is journaled before it is batched, a batch is
                     acknowledged once printed; killed and started again with
                     the same DIR, it first prints what it had not acknowledged,
                     marked redelivered (at least once), then the file and Docker
                     changes made while it was down (checkpoints in the journal)
  --dead-letters     list the dead letters kept in DIR, and exit
  --replay ID|all    put a dead letter (or all) back, delivered first (repeatable)

  -h, --help         this help
  -v, --version      the version

The JFS server side (byte-compatible with Go's fsnotify-proxy and -daemon):
  batchwatch proxy --mounts FILE [--listen ADDR] [--redis HOST:PORT[/DB]] [--debounce MS]
                   [--feed stream|pubsub] [--metrics PORT]
      serves JFS clients from the Redis stream jfsnotify:stream (--feed pubsub:
      the channel jfsnotify, for Go daemons). A gap it cannot prove empty
      (Redis restarted, stream trimmed, daemon restarted) disconnects every
      client so that it resyncs. ADDR defaults to $MULTICAST_SERVER, else
      :5079; Redis to $REDIS_ADDR ($REDIS_PASSWORD, $REDIS_DB), else
      127.0.0.1:6379. FILE lists containers and their hostPath mounts:
      [{"namespace":"default","pod":"web-0","container":"app",
        "mounts":[{"mountPath":"/data","hostPath":"/var/lib/web-0"}]}]
  batchwatch daemon [NODE_PATH...] [--redis HOST:PORT[/DB]] [--no-follow]
                    [--stream-max-len N]
      appends changes of node paths (non-recursive) to the stream
      jfsnotify:stream (about N changes kept, default 100000) and publishes
      them on jfsnotify, one per message: the paths given, and those proxies
      register unless --no-follow.

Kubernetes mode (needs the optional dependency @kubernetes/client-node; the
API server from $KUBECONFIG when set, else the pod's service account):
  batchwatch proxy --kubernetes [--listen ADDR] [--redis HOST:PORT] [...]
      maps pod paths through the pod's hostPath volumes read from the API
      server, and keeps one FSWatcher resource per watching channel.
  batchwatch daemon --kubernetes [--node NAME] [...]
      also watches the node paths of every FSWatcher (of pods on NAME only).
`;
