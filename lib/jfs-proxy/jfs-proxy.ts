import { createServer, type Server } from 'node:net';
import createDebug from 'debug';
import type { Redis } from 'ioredis';
import type { Observable, Subscription } from 'rxjs';
// Deep imports: the `rxjs` index loads all of rxjs (about 10 MB of idle RSS for `batchwatch proxy`).
import { BehaviorSubject } from 'rxjs/internal/BehaviorSubject';
import { Subject } from 'rxjs/internal/Subject';
import type { JfsError, JfsServerError } from '../errors.ts';
import { socketPath } from '../jfs-protocol/abstract-socket.ts';
import { type GapReason, gapReasons } from '../jfs-protocol/notify-stream.ts';
import { notifyNames } from '../jfs-protocol/redis-keys.ts';
import { disconnectRedis } from '../redis/disconnect-redis.ts';
import { connectRedis } from '../redis/redis-address.ts';
import { formatAddress } from '../sources/jfs/address.ts';
import type { LinkStatus } from '../status.ts';
import { AcceptLagMeter } from './accept-lag.ts';
import { PartialFrameBudget, WatchBudget } from './connection-limits.ts';
import { defaultFeed } from './default-feed.ts';
import { FeedGapError } from './feed-gap-error.ts';
import { FeedThrottle } from './feed-throttle.ts';
import {
  type JfsProxyOptions,
  type ResolvedJfsProxyOptions,
  resolveJfsProxyOptions,
} from './jfs-proxy-options.ts';
import type { JfsProxyStats } from './jfs-proxy-stats.ts';
import { type ConnectionHost, ProxyConnection } from './proxy-connection.ts';
import { CatchUpLostError, ConnectionLimitError } from './proxy-errors.ts';
import type { ProxyFeed, ProxyRegistry } from './proxy-feed.ts';
import { WatchRegistry } from './watch-registry.ts';
import { WatchRouter } from './watch-router.ts';

const log = createDebug('batchwatch:jfs-proxy');

export type { JfsProxyStats, RedisLinkStatus } from './jfs-proxy-stats.ts';

type Counter =
  | 'framesIn'
  | 'framesOut'
  | 'eventsDelivered'
  | 'malformedFrames'
  | 'droppedClients'
  | 'refusedWatches';

/**
 * The server side of the JFS protocol (Go's fsnotify-proxy): clients WATCH
 * pod paths over TCP or a unix socket; node-side changes arrive from Redis
 * (the stream `jfsnotify:stream`, or the pub/sub channel with `feed:
 * 'pubsub'`) and go to every client watching their directory, translated
 * back to pod paths, with writes debounced per connection. A slow client is
 * disconnected instead of stalling the others. A gap in the feed that cannot
 * be proven empty (see `StreamFeed`) disconnects every client: reconnecting
 * is the protocol's only signal, and this project's client turns it into a
 * ForceReload. The node paths in use are registered in Redis for daemons
 * (see `WatchRegistry`).
 *
 * @example
 * const proxy = await JfsProxy.start({ mounts: StaticMountResolver.fromFile('mounts.json') });
 * // ... later
 * await proxy.close();
 */
export class JfsProxy implements AsyncDisposable {
  /** Non-fatal problems: bad frames, unmapped watches, slow clients, Redis errors. Hot. */
  readonly warnings$: Observable<JfsServerError | JfsError | Error>;
  /**
   * The Redis link (the feed's connection) as the shared `LinkStatus`:
   * `connecting`, `ready` (reading), `reconnecting` (attempt, delayMs,
   * error), `closed`. Current value, then every change.
   */
  readonly redisStatus$: Observable<LinkStatus>;

  readonly #options: ResolvedJfsProxyOptions;
  readonly #server: Server;
  readonly #feed: ProxyFeed;
  /** The Redis connection of the default registry (none when one is given). */
  readonly #commands: Redis | undefined;
  readonly #registry: ProxyRegistry;
  readonly #router: WatchRouter<ProxyConnection>;
  readonly #acceptLag = new AcceptLagMeter();
  readonly #warnings = new Subject<JfsServerError | JfsError | Error>();
  readonly #redisStatus = new BehaviorSubject<LinkStatus>({ kind: 'connecting', attempt: 0 });
  readonly #feedSubscriptions: Subscription;
  readonly #counters = {
    connectionsTotal: 0,
    framesIn: 0,
    framesOut: 0,
    eventsDelivered: 0,
    debouncedClosed: 0,
    droppedClients: 0,
    refusedWatches: 0,
    malformedFrames: 0,
    redisMessages: 0,
    invalidNotifyEntries: 0,
  };
  readonly #resyncs = Object.fromEntries(gapReasons.map((reason) => [reason, 0])) as Record<
    GapReason,
    number
  >;
  #closing: Promise<void> | null = null;
  /** Bytes of incomplete frames held by all connections, against `maxTotalPartialBytes`. */
  readonly #partialFrames = new PartialFrameBudget();
  /** Node paths of all connections, against `maxWatchedPaths`. */
  readonly #watchBudget: WatchBudget;
  #feedStarted = false;
  /** Pauses the feed while a client's send queue is full. */
  readonly #throttle = new FeedThrottle(
    () => this.#feed.pause(),
    () => this.#feed.resume(),
  );

  private constructor(options: ResolvedJfsProxyOptions) {
    this.#options = options;
    this.#watchBudget = new WatchBudget(options.maxWatchedPaths);
    this.warnings$ = this.#warnings.asObservable();
    this.redisStatus$ = this.#redisStatus.asObservable();
    const names = notifyNames(options.channel, options.redis.db ?? 0);
    const name = `batchwatch-proxy-feed-${options.proxyId}`;
    if (options.registry === undefined) {
      const commands = connectRedis(options.redis, `batchwatch-proxy-${options.proxyId}`);
      commands.on('error', (err: Error) => log('redis (commands): %s', err.message));
      this.#commands = commands;
      this.#registry = new WatchRegistry(
        commands,
        options.proxyId,
        options.registryTtl,
        options.scheduler,
        names,
      );
    } else {
      this.#registry = options.registry;
    }
    this.#router = new WatchRouter(
      this.#registry,
      () => Date.now(),
      undefined,
      (connection) => this.#warn(new CatchUpLostError(connection.remote)),
      () => this.#acceptLag.accepted(),
    );
    this.#feed = defaultFeed(options, name, names);
    this.#feedSubscriptions = this.#follow(this.#feed);
    const host = this.#host();
    // Connections arrive paused: PartialFrameBudget decides when each is read (connection-limits.ts).
    this.#server = createServer({ noDelay: true, pauseOnConnect: true }, (socket) => {
      this.#counters.connectionsTotal++;
      const connection = new ProxyConnection(socket, host, this.#partialFrames, this.#watchBudget);
      this.#router.opened(connection);
      log('connection %s opened (%d open)', connection.remote, this.#router.connections.size);
    });
    // Node refuses connections past maxConnections itself; say so, at most once a second.
    this.#server.maxConnections = options.maxConnections;
    let lastDrop = Number.NEGATIVE_INFINITY;
    this.#server.on('drop', (data) => {
      const now = options.scheduler.now();
      if (now - lastDrop < 1000) return;
      lastDrop = now;
      const remote = `${data?.remoteAddress ?? 'unix socket'}:${data?.remotePort ?? ''}`;
      this.#warn(
        new ConnectionLimitError(
          remote,
          'maxConnections',
          `${options.maxConnections} connections are open already`,
        ),
      );
    });
  }

  /**
   * Starts a proxy: resolves once it listens, not once it reads Redis, so
   * that a proxy starts (and serves clients) while Redis is away, as it does
   * after any Redis outage; `await proxy.subscribed()` waits for the feed to
   * read (clients accepted before get a `proxy-start` resync). The proxy
   * keeps trying Redis for as long as it runs (see `redisStatus$`). The
   * options' `changeFeed` and `registry` replace the Redis ones (tests, other
   * transports).
   *
   * @throws OptionsError for bad options; the listen error (EADDRINUSE...) if it cannot listen.
   */
  static async start(options: JfsProxyOptions): Promise<JfsProxy> {
    const proxy = new JfsProxy(resolveJfsProxyOptions(options));
    try {
      await proxy.#listen();
    } catch (err) {
      await proxy.close();
      throw err;
    }
    return proxy;
  }

  /** Where the proxy listens, as a client would dial it (`127.0.0.1:40123`, `unix:/path`). */
  get address(): string {
    const bound = this.#server.address();
    if (bound === null || typeof bound === 'string') return formatAddress(this.#options.listen);
    const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
    return `${host === '0.0.0.0' ? '127.0.0.1' : host}:${bound.port}`;
  }

  /** Resolves once reading the stream (or subscribed to the channel): events from then on are delivered. */
  subscribed(): Promise<void> {
    return new Promise((resolve, reject) => {
      const subscription = this.#redisStatus.subscribe((status) => {
        if (status.kind !== 'ready' && status.kind !== 'closed') return;
        queueMicrotask(() => subscription.unsubscribe());
        if (status.kind === 'ready') resolve();
        else reject(new Error('the proxy closed before it subscribed to Redis'));
      });
    });
  }

  /** A snapshot of the counters. */
  stats(): JfsProxyStats {
    let debounced = this.#counters.debouncedClosed;
    for (const connection of this.#router.connections) debounced += connection.debounced;
    const { debouncedClosed: _, ...counters } = this.#counters;
    return {
      ...counters,
      debounced,
      connections: this.#router.connections.size,
      watchedPaths: this.#router.watchedPaths,
      resyncs: { ...this.#resyncs },
      streamLagMs: this.#feed.lagMs,
      feedPauses: this.#throttle.pauses,
      peakQueuedBytes: this.#throttle.peakQueuedBytes,
    };
  }

  /** Closes every connection, the listener and Redis; removes this proxy's watch registration. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #close(): Promise<void> {
    log('closing: %d connection(s)', this.#router.connections.size);
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#router.resync();
    this.#acceptLag.close();
    await this.#registry.close();
    await closed;
    await this.#feed.close();
    this.#feedSubscriptions.unsubscribe();
    if (this.#commands !== undefined) await disconnectRedis(this.#commands);
    this.#redisStatus.next({ kind: 'closed' });
    this.#redisStatus.complete();
    this.#warnings.complete();
  }

  #listen(): Promise<void> {
    const listen = this.#options.listen;
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      const done = (): void => {
        this.#server.off('error', reject);
        this.#server.on('error', (err) => this.#warn(err));
        log('listening on %s', this.address);
        resolve();
      };
      if (listen.network === 'unix') {
        this.#server.listen(socketPath(listen.path), done);
      } else {
        this.#server.listen(listen.port, listen.host === '' ? undefined : listen.host, done);
      }
    });
  }

  /** What the feed reads goes to the clients; its status is the proxy's `redisStatus$`. */
  #follow(feed: ProxyFeed): Subscription {
    const subscription = feed.changes$.subscribe((change) => {
      switch (change.kind) {
        case 'events':
          this.#counters.redisMessages += change.messages;
          this.#router.deliver(change.events);
          return;
        case 'gap':
          this.#resync(change.reason);
          return;
        case 'invalid':
          this.#counters.invalidNotifyEntries += change.count;
      }
    });
    subscription.add(
      feed.status$.subscribe((status) => {
        if (this.#closing !== null || status.kind === 'closed') return;
        if (status.kind === 'ready') this.#reading();
        this.#redisStatus.next(status);
      }),
    );
    subscription.add(feed.warnings$.subscribe((warning) => this.#warn(warning)));
    return subscription;
  }

  /**
   * The feed reads from now on (first time only): clients accepted before
   * may have missed what came between their WATCH and now.
   */
  #reading(): void {
    if (this.#feedStarted) return;
    this.#feedStarted = true;
    if (this.#router.connections.size > 0) this.#resync('proxy-start');
  }

  /**
   * A gap in the feed that cannot be proven empty: every client is
   * disconnected, the protocol's only signal; it reconnects, re-sends its
   * watches and (this project's client) emits a ForceReload.
   */
  #resync(reason: GapReason): void {
    if (this.#closing !== null) return;
    this.#resyncs[reason]++;
    // In the log (a warning) with its reason whenever it disconnects clients: a mass disconnect
    // is never unexplained. With none connected it is only counted (a daemon that just started).
    const clients = this.#router.connections.size;
    if (clients > 0) this.#warn(new FeedGapError(reason, clients));
    else log('resync (%s): no client to disconnect', reason);
    this.#router.resync();
  }

  #warn(warning: JfsServerError | JfsError | Error): void {
    log('warning %s: %s', warning.name, warning.message);
    this.#warnings.next(warning);
  }

  #host(): ConnectionHost {
    return {
      options: this.#options,
      throttle: this.#throttle,
      watched: (connection, nodePath) => this.#router.watched(connection, nodePath),
      unwatched: (connection, nodePath) => this.#router.unwatched(connection, nodePath),
      count: (counter: Counter, by = 1) => {
        this.#counters[counter] += by;
      },
      warn: (warning) => this.#warn(warning),
      log: (format, ...args) => log(format, ...args),
      closed: (connection) => {
        this.#counters.debouncedClosed += connection.debounced;
        this.#router.closed(connection);
        log('connection %s closed (%d open)', connection.remote, this.#router.connections.size);
      },
    };
  }
}
