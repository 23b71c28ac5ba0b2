import createDebug from 'debug';
import type { Redis } from 'ioredis';
import type { SchedulerLike, Subscription } from 'rxjs';
import { type NotifyNames, notifyNames, registryKey } from '../jfs-protocol/redis-keys.ts';
import type { ProxyRegistry } from './proxy-feed.ts';

const log = createDebug('batchwatch:jfs-proxy');

/** The default deployment's control channel (see `notifyNames` for another channel's). */
export const CONTROL_CHANNEL = notifyNames('jfsnotify').control;
/** The default deployment's prefix of the proxies' registry sets (see `notifyNames`). */
export const REGISTRY_PREFIX = notifyNames('jfsnotify').registryPrefix;

/**
 * The control channel, proxy side: the node paths this proxy's clients
 * watch live in the Redis set `jfsnotify:watches:<proxyId>`, a lease:
 * rewritten whole and given a TTL on every heartbeat (so a crashed proxy's
 * watches expire, and a restarted Redis gets them back; daemons ignore a set
 * without a TTL). The changes made within one turn of the event loop (a WATCH
 * of many paths) go as one transaction and one announcement on
 * `jfsnotify:control`, so that daemons re-read the sets at once, and once.
 */
export class WatchRegistry implements ProxyRegistry {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #proxyId: string;
  readonly #control: string;
  readonly #ttlMs: number;
  readonly #paths = new Set<string>();
  readonly #scheduler: SchedulerLike;
  readonly #period: number;
  #heartbeat: Subscription;
  #closed = false;
  /** Paths added and removed since the last flush (a microtask after the first). */
  readonly #added = new Set<string>();
  readonly #removed = new Set<string>();

  constructor(
    redis: Redis,
    proxyId: string,
    ttlMs: number,
    scheduler: SchedulerLike,
    names: NotifyNames = notifyNames('jfsnotify'),
  ) {
    this.#redis = redis;
    this.#proxyId = proxyId;
    this.#control = names.control;
    this.#key = registryKey(names, proxyId);
    this.#ttlMs = ttlMs;
    this.#scheduler = scheduler;
    this.#period = Math.max(1, Math.floor(ttlMs / 3));
    this.#heartbeat = scheduler.schedule(() => this.#beat(), this.#period);
    // After a (re)connection the set may be gone with a restarted Redis: write it back and tell daemons.
    redis.on('ready', () => this.#write(true));
  }

  /** The node paths registered now. */
  get paths(): ReadonlySet<string> {
    return this.#paths;
  }

  /** A first client now watches `nodePath`. */
  add(nodePath: string): void {
    if (this.#closed || this.#paths.has(nodePath)) return;
    this.#paths.add(nodePath);
    this.#removed.delete(nodePath);
    this.#added.add(nodePath);
    this.#schedule();
  }

  /** The last client watching `nodePath` is gone. */
  remove(nodePath: string): void {
    if (this.#closed || !this.#paths.delete(nodePath)) return;
    this.#added.delete(nodePath);
    this.#removed.add(nodePath);
    this.#schedule();
  }

  /** Deletes this proxy's set and tells daemons. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#heartbeat.unsubscribe();
    this.#paths.clear();
    if (this.#redis.status !== 'ready') return;
    try {
      await this.#redis
        .multi()
        .del(this.#key)
        .publish(this.#control, JSON.stringify({ proxy: this.#proxyId, op: 'close' }))
        .exec();
    } catch (err) {
      log('registry close failed: %s', (err as Error).message);
    }
  }

  #schedule(): void {
    if (this.#added.size + this.#removed.size === 1) queueMicrotask(() => this.#flush());
  }

  /** The changes of this turn: one transaction, one announcement. */
  #flush(): void {
    const added = [...this.#added];
    const removed = [...this.#removed];
    this.#added.clear();
    this.#removed.clear();
    // Closed: the set is deleted. Not ready: the next 'ready' rewrites the whole set.
    if (this.#closed || this.#redis.status !== 'ready') return;
    if (added.length + removed.length === 0) return;
    const multi = this.#redis.multi();
    if (removed.length > 0) multi.srem(this.#key, ...removed);
    if (added.length > 0) multi.sadd(this.#key, ...added).pexpire(this.#key, this.#ttlMs);
    multi
      .publish(
        this.#control,
        JSON.stringify({
          proxy: this.#proxyId,
          op: 'change',
          added: added.length,
          removed: removed.length,
        }),
      )
      .exec()
      .catch((err: unknown) => log('registry change failed: %s', (err as Error).message));
  }

  #beat(): void {
    this.#write(false);
    if (!this.#closed) this.#heartbeat = this.#scheduler.schedule(() => this.#beat(), this.#period);
  }

  /** Rewrites the whole set with a fresh TTL. */
  #write(announce: boolean): void {
    if (this.#closed || this.#redis.status !== 'ready') return;
    const multi = this.#redis.multi().del(this.#key);
    if (this.#paths.size > 0) multi.sadd(this.#key, ...this.#paths).pexpire(this.#key, this.#ttlMs);
    if (announce)
      multi.publish(this.#control, JSON.stringify({ proxy: this.#proxyId, op: 'sync' }));
    multi.exec().catch((err: unknown) => log('registry write failed: %s', (err as Error).message));
  }
}
