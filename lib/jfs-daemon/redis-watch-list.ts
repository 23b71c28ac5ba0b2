import createDebug from 'debug';
import type { Redis } from 'ioredis';
import type { Observable } from 'rxjs';
import { Subject } from 'rxjs/internal/Subject';
import { type NotifyNames, registryPattern } from '../jfs-protocol/redis-keys.ts';
import { RegistryEntryError } from './watch-errors.ts';
import type { WatchList, WatchListChange } from './watch-list.ts';

const log = createDebug('batchwatch:jfs-daemon');

/** Paths read from all registry sets together; Redis is not trusted to keep it sane. */
export const MAX_REGISTERED_PATHS = 65_536;
/** Longest node path read from a registry set, in bytes (Linux's PATH_MAX). */
export const MAX_PATH_BYTES = 4096;

/**
 * The default {@link WatchList}: the union of every proxy's registry set of
 * this deployment (`<channel>:watches:*`, read with `reader`) that is a lease
 * (has a TTL: a proxy that dies stops renewing it and it expires; a set
 * without one, which no proxy writes, is ignored with a warning), read in
 * bounded steps (at most {@link MAX_REGISTERED_PATHS} absolute paths of at
 * most {@link MAX_PATH_BYTES} bytes), re-read when a
 * proxy announces a change on the control channel (`subscriber`, which this
 * list owns and subscribes again after each reconnection). `reader` is
 * disconnected on close only when `ownsReader`.
 */
export class RedisWatchList implements WatchList {
  readonly changes$: Observable<WatchListChange>;
  readonly warnings$: Observable<Error>;
  readonly #warnings = new Subject<Error>();
  /** Keys warned about, so that each bad entry is reported once while it stays. */
  #warned = new Set<string>();
  readonly #reader: Redis;
  readonly #subscriber: Redis;
  readonly #names: NotifyNames;
  readonly #ownsReader: boolean;
  readonly #changes = new Subject<WatchListChange>();
  #closed = false;

  constructor(reader: Redis, subscriber: Redis, names: NotifyNames, ownsReader = false) {
    this.#reader = reader;
    this.#ownsReader = ownsReader;
    this.#subscriber = subscriber;
    this.#names = names;
    this.changes$ = this.#changes.asObservable();
    this.warnings$ = this.#warnings.asObservable();
    subscriber.on('error', (err: Error) => log('redis (control): %s', err.message));
    subscriber.on('ready', () => {
      subscriber.subscribe(names.control).then(
        () => this.#signal('connected'),
        (err: unknown) => log('subscribe failed: %s', (err as Error).message),
      );
    });
    subscriber.on('message', () => this.#signal('changed'));
  }

  async read(): Promise<ReadonlySet<string>> {
    const paths = new Set<string>();
    const warned = new Set<string>();
    const warn = (key: string, problem: string): void => {
      warned.add(key);
      if (!this.#warned.has(key)) this.#warnings.next(new RegistryEntryError(key, problem));
    };
    let cursor = '0';
    do {
      const [next, keys] = await this.#reader.scan(
        cursor,
        'MATCH',
        registryPattern(this.#names),
        'COUNT',
        200,
      );
      cursor = next;
      for (const key of keys) {
        const ttl = await this.#reader.pttl(key);
        if (ttl === -1) warn(key, 'it has no TTL, so it would never expire');
        else if (ttl >= 0) await this.#readSet(key, paths, warn);
      }
    } while (cursor !== '0');
    this.#warned = warned;
    return paths;
  }

  /** Adds the paths of the set `key` to `paths`, within the bounds. */
  async #readSet(
    key: string,
    paths: Set<string>,
    warn: (key: string, problem: string) => void,
  ): Promise<void> {
    let cursor = '0';
    do {
      const [next, members] = await this.#reader.sscan(key, cursor, 'COUNT', 500);
      cursor = next;
      for (const path of members) {
        if (!path.startsWith('/') || Buffer.byteLength(path) > MAX_PATH_BYTES) {
          warn(key, `it holds a path that is not absolute or is over ${MAX_PATH_BYTES} bytes`);
          continue;
        }
        if (paths.size >= MAX_REGISTERED_PATHS && !paths.has(path)) {
          warn(key, `the registry holds over ${MAX_REGISTERED_PATHS} paths; the rest are not read`);
          return;
        }
        paths.add(path);
      }
    } while (cursor !== '0');
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#subscriber.disconnect();
      if (this.#ownsReader) this.#reader.disconnect();
      this.#changes.complete();
      this.#warnings.complete();
    }
    return Promise.resolve();
  }

  #signal(change: WatchListChange): void {
    if (!this.#closed) this.#changes.next(change);
  }
}
