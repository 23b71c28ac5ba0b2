import createDebug from 'debug';
import type { Redis } from 'ioredis';
import type { Observable } from 'rxjs';
import { Subject } from 'rxjs/internal/Subject';
import { type NotifyNames, registryPattern } from '../jfs-protocol/redis-keys.ts';
import type { WatchList, WatchListChange } from './watch-list.ts';

const log = createDebug('batchwatch:jfs-daemon');

/**
 * The default {@link WatchList}: the union of every proxy's registry set of
 * this deployment (`<channel>:watches:*`, read with `reader`), re-read when a
 * proxy announces a change on the control channel (`subscriber`, which this
 * list owns and subscribes again after each reconnection). `reader` is
 * disconnected on close only when `ownsReader`.
 */
export class RedisWatchList implements WatchList {
  readonly changes$: Observable<WatchListChange>;
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
      for (const key of keys) for (const path of await this.#reader.smembers(key)) paths.add(path);
    } while (cursor !== '0');
    return paths;
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#subscriber.disconnect();
      if (this.#ownsReader) this.#reader.disconnect();
      this.#changes.complete();
    }
    return Promise.resolve();
  }

  #signal(change: WatchListChange): void {
    if (!this.#closed) this.#changes.next(change);
  }
}
