import { dirname } from 'node:path';
import createDebug from 'debug';
import type { Redis } from 'ioredis';
import { type Observable, Subject, Subscription } from 'rxjs';
import { type JfsError, JfsServerError, OptionsError } from '../errors.ts';
import { formatNotifyMessage, NOTIFY_CHANNEL } from '../jfs-proxy/notify-message.ts';
import { connectRedis, parseRedisAddress, type RedisAddress } from '../jfs-proxy/redis-address.ts';
import { CONTROL_CHANNEL, REGISTRY_PREFIX } from '../jfs-proxy/watch-registry.ts';
import { rejectUnknownOptions, resolveDuration } from '../options.ts';
import type { JfsEvent } from '../sources/jfs/jfs-message.ts';
import { LocalNotifyWatcher } from '../sources/jfs/local-notify-watcher.ts';

const log = createDebug('batchwatch:jfs-daemon');

/** Settles after `ms`, or as soon as `work` does; leaves no timer behind. */
async function atMost(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  await Promise.race([work.catch(() => {}), timeout]);
  clearTimeout(timer);
}

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
  /** The pub/sub channel to publish to. Default `jfsnotify`. */
  readonly channel?: string;
  /** How often the registered paths are re-read even without a control message, in ms. Default 10000. */
  readonly resyncInterval?: number;
  /** Changes kept while Redis is away; beyond, the oldest are dropped and counted. Default 10000. */
  readonly maxBacklog?: number;
  /** The environment to read. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** More node paths to watch, as a whole set on every change (Kubernetes mode: `FsWatcherPaths`). Default none. */
  readonly pathSource?: { readonly paths$: Observable<ReadonlySet<string>> };
}

/** Counters of a {@link JfsDaemon}. */
export interface JfsDaemonStats {
  /** Changes seen on watched paths. */
  readonly events: number;
  /** Messages published to the channel. */
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
  'channel',
  'resyncInterval',
  'maxBacklog',
  'env',
  'pathSource',
];

/**
 * The node side (Go's fsnotify-daemon): watches node paths non-recursively,
 * like inotify, and publishes each change to Redis as the JSON array the
 * proxies read (`[{"Name","Op","Key"}]`, `Key` the parent directory), one
 * message per burst of changes. The paths are the given ones plus, unless
 * `followProxies` is off, those proxies register: a proxy's first WATCH of a
 * node path makes the daemon watch it, and its last UNWATCH or disconnect
 * releases it.
 */
export class JfsDaemon implements AsyncDisposable {
  /** Non-fatal problems: a failed watch, a Redis error. Hot. */
  readonly warnings$: Observable<JfsError | Error>;

  readonly #static: ReadonlySet<string>;
  readonly #follow: boolean;
  readonly #channel: string;
  readonly #resyncInterval: number;
  readonly #maxBacklog: number;
  readonly #watcher: LocalNotifyWatcher;
  readonly #publisher: Redis;
  readonly #control: Redis | null;
  readonly #warnings = new Subject<JfsError | Error>();
  readonly #subscription = new Subscription();
  #outbox: JfsEvent[] = [];
  #flushScheduled: NodeJS.Immediate | null = null;
  #resyncTimer: NodeJS.Timeout | null = null;
  #resyncing: Promise<void> | null = null;
  #resyncAgain = false;
  #closing: Promise<void> | null = null;
  #counters = { events: 0, published: 0, resyncs: 0, dropped: 0 };
  #overflowReported = false;
  /** The paths proxies registered (last read) and those the path source wants. */
  #registered: ReadonlySet<string> = new Set();
  #sourced: ReadonlySet<string> = new Set();

  private constructor(options: JfsDaemonOptions, redis: RedisAddress) {
    this.#static = new Set(options.paths ?? []);
    this.#follow = options.followProxies ?? true;
    this.#channel = options.channel ?? NOTIFY_CHANNEL;
    this.#resyncInterval = options.resyncInterval ?? 10_000;
    this.#maxBacklog = options.maxBacklog ?? 10_000;
    this.warnings$ = this.#warnings.asObservable();
    this.#watcher = new LocalNotifyWatcher({ paths: [...this.#static] });
    this.#subscription.add(this.#watcher.events$.subscribe((event) => this.#onChange(event)));
    this.#subscription.add(this.#watcher.errors$.subscribe((error) => this.#warn(error)));
    this.#publisher = connectRedis(redis, 'batchwatch-daemon');
    this.#publisher.on('error', (err: Error) => this.#warn(err));
    this.#publisher.on('ready', () => this.#flush());
    this.#control = this.#follow ? connectRedis(redis, 'batchwatch-daemon-control') : null;
    if (this.#control !== null) {
      const control = this.#control;
      control.on('error', (err: Error) => log('redis (control): %s', err.message));
      // On every (re)connection: subscribe again, then re-read what proxies registered meanwhile.
      control.on('ready', () => {
        control.subscribe(CONTROL_CHANNEL).then(
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
        this.#apply(this.#registered);
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
    );
    const daemon = new JfsDaemon(options, redis);
    await daemon.ready();
    return daemon;
  }

  /** Resolves once the watcher finished its initial scan. */
  ready(): Promise<void> {
    return new Promise((resolve) => {
      const subscription = this.#watcher.status$.subscribe((status) => {
        if (status.kind === 'ready' || status.kind === 'closed') {
          queueMicrotask(() => subscription.unsubscribe());
          resolve();
        }
      });
    });
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
    return { ...this.#counters, watched: this.#watcher.watchList().length };
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
    if (this.#flushScheduled !== null) clearImmediate(this.#flushScheduled);
    this.#subscription.unsubscribe();
    if (this.#outbox.length > 0 && this.#publisher.status === 'ready') {
      // A last publish, but never wait long on a Redis that stopped answering.
      await atMost(this.#publisher.publish(this.#channel, formatNotifyMessage(this.#outbox)), 1000);
    }
    // A resync may wait on a Redis that is away, for ever: it is not waited for (what it would
    // apply is ignored once closing), and disconnecting leaves no socket or timer behind.
    this.#publisher.disconnect();
    this.#control?.disconnect();
    await this.#watcher.close();
    this.#warnings.complete();
  }

  #onChange(event: JfsEvent): void {
    this.#counters.events++;
    if (this.#outbox.length >= this.#maxBacklog) {
      // Redis has been away for long: keep the newest changes, count and report the loss once.
      this.#outbox.shift();
      this.#counters.dropped++;
      if (!this.#overflowReported) {
        this.#overflowReported = true;
        this.#warn(
          new JfsServerError(
            `Redis is unreachable and ${this.#maxBacklog} changes are waiting: the oldest are dropped until it is back.`,
          ),
        );
      }
    }
    this.#outbox.push({ name: event.name, op: event.op, key: dirname(event.name) });
    // One message per burst: everything that changed within this turn of the event loop.
    this.#flushScheduled ??= setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = null;
    if (this.#outbox.length === 0 || this.#closing !== null) return;
    if (this.#publisher.status !== 'ready') return; // kept until Redis is back ('ready' flushes)
    const events = this.#outbox;
    this.#outbox = [];
    this.#overflowReported = false;
    this.#counters.published++;
    this.#publisher.publish(this.#channel, formatNotifyMessage(events)).catch((err: unknown) => {
      this.#warn(err as Error);
    });
  }

  #resync(): void {
    if (this.#closing !== null || this.#control === null) return;
    if (this.#resyncing !== null) {
      this.#resyncAgain = true;
      return;
    }
    this.#resyncing = this.#readRegistered()
      .then((registered) => this.#apply(registered))
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
        `${REGISTRY_PREFIX}*`,
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

  #apply(registered: ReadonlySet<string>): void {
    if (this.#closing !== null) return;
    this.#registered = registered;
    const wanted = new Set([...this.#static, ...registered, ...this.#sourced]);
    const current = new Set(this.#watcher.watchList());
    for (const path of wanted) {
      if (!current.has(path) && path.startsWith('/')) {
        log('watch %s', path);
        this.#watcher.add(path);
      }
    }
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
