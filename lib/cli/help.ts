/** The text of `batchwatch --help`. */
export const helpText = `batchwatch: Docker, file and remote file-notify events, batched.

Usage:
  batchwatch [watch] [PATH...] [--ignore GLOB...] [--no-default-ignores]
                     [--docker [URL]]
                     [--jfs ADDR --jfs-path P... [--jfs-pod NS/POD/C]]
                     [--interval MS] [--coalesce] [--format text|json]
                     [--settle MS [--max-wait MS]] [--hold-while PATH... [--max-hold MS]]
                     [--state-dir DIR [--replay ID|all]...]
                     [--journal URL [--group NAME] [--consumer NAME]
                      [--takeover-timeout MS] [--replay ID|all]...]
  batchwatch watch --state-dir DIR|--journal URL [--group NAME] --dead-letters

With no source named, watches the current directory. Prints each flushed
batch on stdout; statuses and warnings go to stderr, and one "ready:
watching N directories (M files) in T s" line once every source watches.
Ctrl-C (SIGINT), SIGTERM or SIGHUP flushes what is pending, prints a
summary and exits 0.

Sources:
  PATH...            files or directories to watch (a file through its directory)
  --ignore GLOB      leave out what GLOB matches, and everything under it
                     (repeatable); a GLOB without "/" matches a name at any
                     depth (*.log), one with "/" is relative to the current
                     directory (build/**); the file source's own rules (its
                     "ignored" option), judged below each PATH
  --no-default-ignores
                     also watch .git and node_modules, which are left out by
                     default
  --docker [URL]     Docker container events; URL like unix:///var/run/docker.sock
                     or tcp://host:2375 (default: DOCKER_HOST, else the local socket)
  --jfs ADDR         a JFS notify server (host:port, unix:/path); with
  --jfs-path P       a remote path to watch (repeatable)
  --jfs-pod NS/POD/C the pod and container the paths are in, as the proxy
                     knows them (default: $NAMESPACE/$POD_NAME/$CONTAINER_NAME,
                     each "default" when unset; $POD_NAME falls back to
                     $HOSTNAME)

Batching and output:
  --interval MS      batch window in milliseconds (default 300)
  --settle MS        instead: close a batch once no change came for MS ms
  --max-wait MS      with --settle: close it at the latest MS ms after its first
                     change (default 10000)
  --hold-while PATH  deliver nothing while PATH exists (repeatable), e.g.
                     .git/index.lock: one batch per git checkout; a relative
                     PATH is looked for in each watched directory
  --max-hold MS      deliver anyway (with a warning) after a hold of MS ms
                     (default 60000)
  --coalesce         one event per container or path per batch
  --format FORMAT    text (default) or json: one {"batch":N,"events":[...]} per line
  --metrics [HOST:]PORT
                     serve Prometheus metrics on http://HOST:PORT/metrics
                     (HOST default 127.0.0.1; 0.0.0.0 for every interface;
                     needs the optional dependency prom-client)

Durable delivery:
  --state-dir DIR    keep the journal in DIR/journal.sqlite (created if missing):
                     every event is journaled before it is batched, a batch is
                     acknowledged once printed; killed and started again with
                     the same DIR, it first prints what it had not acknowledged,
                     marked redelivered (at least once), then the file and Docker
                     changes made while it was down (checkpoints in the journal)
  --journal URL      instead, keep the journal in a Redis stream (redis://,
                     rediss://; $REDIS_PASSWORD when the URL has none; the key
                     batchwatch:journal): the watch processes of one group share
                     the batches (each to one), a SIGKILLed one's batches are
                     taken over by another, marked redelivered
  --group NAME       the consumer group (default batchwatch); every group sees
                     every event
  --consumer NAME    this process in the group (default HOST-PID): started again
                     under the same name it takes its own unacknowledged batches
                     back at once and its sources resume from their checkpoints
  --takeover-timeout MS
                     a batch held that long by a consumer that shows no sign of
                     life goes to another (default 30000)
  --dead-letters     list the dead letters kept in DIR (or the group's), and exit
  --replay ID|all    put a dead letter (or all) back, delivered first (repeatable)

  -h, --help         this help
  -v, --version      the version

The JFS server side (byte-compatible with Go's fsnotify-proxy and -daemon):
  batchwatch proxy --mounts FILE [--listen ADDR] [--redis HOST:PORT[/DB]] [--debounce MS]
                   [--feed auto|stream|pubsub] [--metrics [HOST:]PORT]
                   [--max-watches N] [--max-watched-paths N] [--registry-ttl MS]
      serves JFS clients from Redis. --feed auto (default) reads the stream
      jfsnotify:stream when a daemon writes one, and the channel jfsnotify
      when a change comes there with no stream entry within 2 s (only Go
      daemons publish): it says so, and from then on each Redis reconnection
      resyncs every client (pub/sub replays nothing). --feed stream / pubsub
      read only that one. A gap it cannot prove empty (Redis restarted,
      stream trimmed, daemon restarted) disconnects every client so that it
      resyncs. ADDR defaults to $MULTICAST_SERVER, else
      :5079; Redis to $REDIS_ADDR ($REDIS_PASSWORD, $REDIS_DB), else
      127.0.0.1:6379. FILE lists containers and their hostPath mounts:
      [{"namespace":"default","pod":"web-0","container":"app",
        "mounts":[{"mountPath":"/data","hostPath":"/var/lib/web-0"}]}]
  batchwatch daemon [NODE_PATH...] [--redis HOST:PORT[/DB]] [--no-follow]
                    [--stream-max-len N] [--root DIR]...
      appends changes of node paths (non-recursive) to the stream
      jfsnotify:stream (about N changes kept, default 100000) and publishes
      them on jfsnotify, one per message: the paths given, and those proxies
      register unless --no-follow; only under the --root directories (no
      symbolic link below a root is followed).
  Limits (proxy): at most N watches per connection (--max-watches, 256) and
      N node paths in all (--max-watched-paths, 4096); its registry entry in
      Redis is a lease of MS (--registry-ttl, 30000).
  Redis (both): HOST:PORT[/DB], redis://[USER[:PASSWORD]@]HOST[:PORT][/DB],
      rediss://... (TLS; --redis-ca FILE, --redis-cert FILE --redis-key FILE)
      or unix:/PATH; $REDIS_USERNAME and $REDIS_PASSWORD when the URL has none.
      Passwords are never printed.

Kubernetes mode (needs the optional dependency @kubernetes/client-node; the
API server as kubectl finds it: $KUBECONFIG, else ~/.kube/config, else the
pod's service account):
  batchwatch proxy --kubernetes [--listen ADDR] [--redis HOST:PORT] [...]
      maps pod paths through the pod's hostPath volumes read from the API
      server, and keeps one FSWatcher resource per watching channel.
  batchwatch daemon --kubernetes [--node NAME] [...]
      also watches the node paths of every FSWatcher (of pods on NAME only).
`;
