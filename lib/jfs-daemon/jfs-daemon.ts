import createDebug from 'debug';
import type { Redis } from 'ioredis';
import { type Observable, Subject, Subscription } from 'rxjs';
import { type JfsError, JfsServerError, OptionsError } from '../errors.ts';
import type { JfsEvent } from '../jfs-protocol/jfs-message.ts';
import { NOTIFY_CHANNEL } from '../jfs-protocol/notify-message.ts';
import { type NotifyNames, notifyNames } from '../jfs-protocol/notify-stream.ts';
import { connectRedis, parseRedisAddress, type RedisAddress } from '../jfs-proxy/redis-address.ts';
import { rejectUnknownOptions, resolveDuration } from '../options.ts';
import { NodeWatcher } from './node-watcher.ts';
import { atMost, StreamPublisher } from './stream-publisher.ts';

const log = createDebug('batchwatch:jfs-daemon');

/** Options of {@link JfsDaemon}; the Go daemon's environment variables are the defaults. */
export interface JfsDaemonOptions {
  /** Node paths always watched (non-recursively). Default none. */
  readonly paths?: readonly string[];
  /** Also watch the node paths proxies register in Redis. Default `true`. */
  readonly followProxies?: boolean;
  /** Redis `host:port`. Default `$REDIS_ADDR`, else `127.0.0.1:6379`. */
  readonly redisAddr?: string;
  /** Redis password. Default `$REDIS_PASSWORD`, else none. */
  readonly redisPassword?: string;
  /** Redis database of the stream and the registry (pub/sub ignores it). Default `$REDIS_DB`, else 0. */
  readonly redisDb?: number;
  /**
   * The pub/sub channel to publish to (Go format, one event per message).
   * The stream is `<channel>:stream`, the registry `<channel>:watches:*`.
   * Default `jfsnotify`.
   */
  readonly channel?: string;
  /**
   * Changes the stream keeps, roughly (`XADD ... MAXLEN ~`, scaled by the
   * changes per entry: a burst is one entry). Default 100000.
   */
  readonly streamMaxLen?: number;
  /**
   * When a registered path starts being watched, what was created or written
   * this long before the daemon learned of it is reported too, in ms. Default 5000.
   */
  readonly catchUp?: number;
  /** How often the registered paths are re-read even without a control message, in ms. Default 10000. */
  readonly resyncInterval?: number;
  /** Changes kept while Redis is away; beyond, the oldest are dropped and counted. Default 10000. */
  readonly maxBacklog?: number;
  /** More node paths to watch, as a whole set on every change (Kubernetes mode: `FsWatcherPaths`). Default none. */
  readonly pathSource?: { readonly paths$: Observable<ReadonlySet<string>> };
  /** The environment to read. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Counters of a {@link JfsDaemon}. */
export interface JfsDaemonStats {
  /** Changes seen on watched paths. */
  readonly events: number;
  /** Changes appended to the stream (each also published on the channel). */
  readonly published: number;
  /** Times the registered paths were re-read. */
  readonly resyncs: number;
  /** Node paths watched now. */
  readonly watched: number;
  /** Changes dropped because Redis was away for longer than the backlog holds. */
  readonly dropped: number;
}

const names = [
  'paths',
  'followProxies',
  'redisAddr',
  'redisPassword',
  'redisDb',
  'channel',
  'streamMaxLen',
  'catchUp',
  'resyncInterval',
  'maxBacklog',
  'pathSource',
  'env',
];

/**
 * The node side (Go's fsnotify-daemon): watches node paths non-recursively,
 * like inotify, with fsnotify's ops, and appends each change to the Redis
 * stream `<channel>:stream` (bounded, `MAXLEN ~`) that this project's proxies
 * read, and publishes it on the channel as Go's daemon does
 * (`[{"Name","Op","Key"}]`, ONE event per message, `Key` the parent
 * directory) for Go proxies. Its own gaps are marked in the stream: it
 * started (what happened while no daemon ran is unknown), or its backlog
 * overflowed while Redis was away. The paths are the given ones plus, unless
 * `followProxies` is off, those proxies register: a proxy's first WATCH of a
 * node path makes the daemon watch it (catching up on what changed since,
 * see `catchUp`), and its last UNWATCH or disconnect releases it.
 */
export class JfsDaemon implements AsyncDisposable {
  /** Non-fatal problems: a failed watch, a Redis error. Hot. */
  readonly warnings$: Observable<JfsError | Error>;

  readonly #static: ReadonlySet<string>;
  readonly #follow: boolean;
  readonly #names: NotifyNames;
  readonly #catchUp: number;
  readonly #resyncInterval: number;
  readonly #feed: StreamPublisher;
  readonly #watcher = new NodeWatcher();
  readonly #initial: Promise<unknown>;
  readonly #publisher: Redis;
  readonly #control: Redis | null;
  readonly #warnings = new Subject<JfsError | Error>();
  readonly #subscription = new Subscription();
  /** The first read of the registry after a (re)connection only adds: proxies may not have rewritten it yet. */
  #addOnly = true;
  #resyncTimer: NodeJS.Timeout | null = null;
  #resyncing: Promise<void> | null = null;
  #resyncAgain = false;
  #closing: Promise<void> | null = null;
  #counters = { events: 0, resyncs: 0 };
  /** The paths proxies registered (last read) and those the path source wants. */
  #registered: ReadonlySet<string> = new Set();
  #sourced: ReadonlySet<string> = new Set();

  private constructor(options: JfsDaemonOptions, redis: RedisAddress) {
    this.#static = new Set(options.paths ?? []);
    this.#follow = options.followProxies ?? true;
    this.#names = notifyNames(options.channel ?? NOTIFY_CHANNEL);
    this.#catchUp = options.catchUp ?? 5000;
    this.#resyncInterval = options.resyncInterval ?? 10_000;
    const maxBacklog = options.maxBacklog ?? 10_000;
    this.warnings$ = this.#warnings.asObservable();
    this.#subscription.add(this.#watcher.events$.subscribe((event) => this.#onChange(event)));
    this.#subscription.add(this.#watcher.errors$.subscribe((error) => this.#warn(error)));
    this.#initial = Promise.all([...this.#static].map((path) => this.#watcher.add(path)));
    this.#publisher = connectRedis(redis, 'batchwatch-daemon');
    this.#publisher.on('error', (err: Error) => this.#warn(err));
    this.#feed = new StreamPublisher(this.#publisher, {
      names: this.#names,
      maxLen: options.streamMaxLen ?? 100_000,
      maxBacklog,
      // Redis has been away for long: the newest changes are kept, the loss is reported once an
      // outage and marked in the stream so that every reader resyncs its clients.
      overflowing: () =>
        this.#warn(
          new JfsServerError(
            `Redis is unreachable and ${maxBacklog} changes are waiting: the oldest are dropped until it is back.`,
          ),
        ),
      failed: (err) => this.#warn(err),
    });
    this.#control = this.#follow ? connectRedis(redis, 'batchwatch-daemon-control') : null;
    if (this.#control !== null) {
      const control = this.#control;
      control.on('error', (err: Error) => log('redis (control): %s', err.message));
      // On every (re)connection: subscribe again, then re-read what proxies registered meanwhile.
      control.on('ready', () => {
        this.#addOnly = true;
        control.subscribe(this.#names.control).then(
          () => this.#resync(),
          (err: unknown) => log('subscribe failed: %s', (err as Error).message),
        );
      });
      control.on('message', () => this.#resync());
      this.#resyncTimer = setInterval(() => this.#resync(), this.#resyncInterval);
    }
    if (options.pathSource !== undefined) {
      const source = options.pathSource.paths$.subscribe((paths) => {
        this.#sourced = paths;
        this.#apply(this.#registered, false, Date.now());
      });
      this.#subscription.add(source);
    }
  }

  /**
   * Starts a daemon; resolves once the static paths are watched.
   *
   * @throws OptionsError for bad options.
   */
  static async start(options: JfsDaemonOptions = {}): Promise<JfsDaemon> {
    if (options === null || typeof options !== 'object') {
      throw new OptionsError('options', options, 'an options object');
    }
    rejectUnknownOptions(options, names);
    const env = options.env ?? process.env;
    const paths = options.paths ?? [];
    if (
      !Array.isArray(paths) ||
      paths.some((path) => typeof path !== 'string' || !path.startsWith('/'))
    ) {
      throw new OptionsError('paths', paths, 'absolute node paths');
    }
    if (options.catchUp !== undefined)
      resolveDuration('catchUp', options.catchUp, { integer: true });
    for (const name of ['streamMaxLen', 'redisDb'] as const) {
      const value = options[name];
      if (
        value !== undefined &&
        (!Number.isInteger(value) || value < (name === 'streamMaxLen' ? 1 : 0))
      ) {
        throw new OptionsError(name, value, `a whole number >= ${name === 'streamMaxLen' ? 1 : 0}`);
      }
    }
    const backlog = options.maxBacklog ?? 10_000;
    if (!Number.isInteger(backlog) || backlog < 1) {
      throw new OptionsError('maxBacklog', backlog, 'a whole number >= 1');
    }
    const interval = options.resyncInterval ?? 10_000;
    resolveDuration('resyncInterval', interval, { exclusive: true });
    const redis = parseRedisAddress(
      options.redisAddr ?? (env['REDIS_ADDR'] || '127.0.0.1:6379'),
      options.redisPassword ?? env['REDIS_PASSWORD'],
      'redisAddr',
      options.redisDb ?? (Number(env['REDIS_DB'] ?? 0) || 0),
    );
    const daemon = new JfsDaemon(options, redis);
    await daemon.ready();
    return daemon;
  }

  /**
   * Resolves once the static paths are watched and the start marker is in
   * the stream (waiting at most a second for a Redis that does not answer).
   */
  async ready(): Promise<void> {
    await this.#initial;
    await atMost(this.#feed.marked, 1000);
  }

  /** The node paths watched now. */
  watchList(): string[] {
    return this.#watcher.watchList();
  }

  /** Re-reads the paths proxies registered and watches exactly those (plus the static ones). */
  resync(): Promise<void> {
    this.#resync();
    return this.#resyncing ?? Promise.resolve();
  }

  stats(): JfsDaemonStats {
    return { ...this.#counters, ...this.#feed.counters, watched: this.#watcher.watchList().length };
  }

  /** Publishes what is pending, then stops watching and closes Redis. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #close(): Promise<void> {
    if (this.#resyncTimer !== null) clearInterval(this.#resyncTimer);
    this.#subscription.unsubscribe();
    // A last publish, but never wait long on a Redis that stopped answering.
    await this.#feed.close();
    // A resync may wait on a Redis that is away, for ever: it is not waited for (what it would
    // apply is ignored once closing), and disconnecting leaves no socket or timer behind.
    this.#publisher.disconnect();
    this.#control?.disconnect();
    await this.#watcher.close();
    this.#warnings.complete();
  }

  #onChange(event: JfsEvent): void {
    this.#counters.events++;
    this.#feed.push(event);
  }

  #resync(): void {
    if (this.#closing !== null || this.#control === null) return;
    if (this.#resyncing !== null) {
      this.#resyncAgain = true;
      return;
    }
    const addOnly = this.#addOnly;
    this.#addOnly = false;
    const learned = Date.now();
    this.#resyncing = this.#readRegistered()
      .then((registered) => this.#apply(registered, addOnly, learned))
      .catch((err: unknown) => log('resync failed: %s', (err as Error).message))
      .finally(() => {
        this.#resyncing = null;
        if (this.#resyncAgain) {
          this.#resyncAgain = false;
          this.#resync();
        }
      });
  }

  async #readRegistered(): Promise<Set<string>> {
    const paths = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = await this.#publisher.scan(
        cursor,
        'MATCH',
        `${this.#names.registryPrefix}*`,
        'COUNT',
        200,
      );
      cursor = next;
      for (const key of keys)
        for (const path of await this.#publisher.smembers(key)) paths.add(path);
    } while (cursor !== '0');
    this.#counters.resyncs++;
    return paths;
  }

  #apply(registered: ReadonlySet<string>, addOnly: boolean, learned: number): void {
    if (this.#closing !== null) return;
    this.#registered = registered;
    const wanted = new Set([...this.#static, ...registered, ...this.#sourced]);
    const current = new Set(this.#watcher.watchList());
    for (const path of wanted) {
      if (!current.has(path) && path.startsWith('/')) {
        log('watch %s', path);
        void this.#watcher.add(path, learned - this.#catchUp);
      }
    }
    if (addOnly) return;
    for (const path of current) {
      if (!wanted.has(path)) {
        log('release %s', path);
        this.#watcher.remove(path);
      }
    }
  }

  #warn(warning: JfsError | Error): void {
    log('warning %s: %s', warning.name, warning.message);
    this.#warnings.next(warning);
  }
}
