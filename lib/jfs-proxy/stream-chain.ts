import createDebug from 'debug';
import type { Redis } from 'ioredis';
import type { SchedulerLike, Subscription } from 'rxjs';
import { type ChainMessage, parseChainMessage } from '../jfs-protocol/chain-message.ts';
import { disconnectRedis } from '../redis/disconnect-redis.ts';
import { connectRedis, type RedisAddress } from '../redis/redis-address.ts';

const log = createDebug('batchwatch:jfs-proxy');

/**
 * How long a feed that read an entry not heard on the chain yet waits for it
 * there, in ms: Redis usually sends a read's reply before the messages the
 * same write published. Not heard by then: its writer does not chain.
 */
const IN_FLIGHT_MS = 25;
/**
 * Most periods one park lasts, entries taken or not: the stream connection
 * then reads (one blocking read), so it is never idle for long (Redis's
 * `timeout`, a half-open connection) and a flow of entries that follow
 * cannot hold the feed away from an entry its writer did not chain.
 */
const MAX_PERIODS = 10;

/**
 * The chain channel's side of a {@link StreamFeed}: a subscription (its own
 * connection) to the entries this project's daemons publish with the id of
 * the entry before each (see chain-message.ts). A feed that has read up to
 * the newest entry parks (sends nothing to Redis) and takes each entry
 * whose `prev` is the last one it holds from here; anything else (an entry
 * that does not follow, a lost subscription, a silence) wakes it to read
 * the stream, which loses nothing and proves what it reads as before. At
 * rest the proxy then only reads, as on the pub/sub feed: no `XREAD` is
 * written per change.
 */
export class StreamChain {
  readonly #redis: Redis;
  readonly #scheduler: SchedulerLike;
  /** Subscribed on the current connection: what is published now is heard. */
  #live = false;
  /** The id of the newest entry heard. */
  #newest = '';
  /** An entry read was not heard here in time, and nothing was since: its writer does not chain. */
  #missed = false;
  /** Entries taken so far: a park ends after a whole period without one. */
  #taken = 0;
  #parked: { readonly wake: () => void; readonly timer: Subscription } | null = null;

  /** `onEntry` is given each entry heard, and says whether it took it (it followed). */
  constructor(
    address: RedisAddress,
    name: string,
    channel: string,
    scheduler: SchedulerLike,
    onEntry: (entry: ChainMessage) => boolean,
  ) {
    this.#scheduler = scheduler;
    const redis = connectRedis(address, name);
    this.#redis = redis;
    redis.on('ready', () => {
      redis.subscribe(channel).then(
        () => {
          this.#live = true;
          log('subscribed to the chain %s', channel);
        },
        (err: unknown) => log('chain subscribe failed: %s', (err as Error).message),
      );
    });
    // What was published while away is not heard: the feed reads the stream until it catches up.
    redis.on('close', () => {
      this.#live = false;
      this.#newest = '';
      this.wake();
    });
    redis.on('error', (err: Error) => log('redis (chain): %s', err.message));
    const channelBytes = Buffer.from(channel);
    redis.on('messageBuffer', (from: Buffer, message: Buffer) => {
      if (!this.#live || !channelBytes.equals(from)) return;
      const entry = parseChainMessage(message);
      if (entry === null) {
        log('chain %s: a message that is not an entry (%d bytes)', channel, message.length);
        this.wake();
        return;
      }
      this.#newest = entry.id;
      this.#missed = false;
      if (onEntry(entry)) this.#taken++;
    });
  }

  /**
   * Waits while the chain carries the entries after `last` (the feed's last
   * entry, read up to the newest): resolves on {@link wake}, or after a
   * whole `periodMs` without an entry taken (an entry its writer did not chain: a
   * daemon without scripts, another writer; or nothing written: then the
   * feed's blocking read waits instead). Resolves at once when not
   * subscribed, and soon when `last` was not heard on the chain within
   * {@link IN_FLIGHT_MS} (its writer does not chain: until the chain is heard
   * again, the next such entry is not waited for). Never longer than
   * {@link MAX_PERIODS} periods.
   */
  park(last: string, periodMs: number): Promise<void> {
    let inFlight = this.#newest !== last;
    if (!this.#live || (inFlight && this.#missed)) return Promise.resolve();
    return new Promise((resolve) => {
      let taken = this.#taken;
      let periods = 0;
      const check = (): void => {
        if (this.#parked?.wake !== resolve) return;
        // `last` (or an entry after it, taken) heard since: its writer chains.
        const heard = this.#newest === last || this.#taken !== taken;
        if (inFlight ? !heard : taken === this.#taken || ++periods >= MAX_PERIODS) {
          this.#missed = inFlight;
          this.wake();
          return;
        }
        inFlight = false;
        taken = this.#taken;
        this.#parked = { wake: resolve, timer: this.#scheduler.schedule(check, periodMs) };
      };
      const first = inFlight ? IN_FLIGHT_MS : periodMs;
      this.#parked = { wake: resolve, timer: this.#scheduler.schedule(check, first) };
    });
  }

  /** Ends the park, if any: the feed reads the stream. */
  wake(): void {
    const parked = this.#parked;
    this.#parked = null;
    parked?.timer.unsubscribe();
    parked?.wake();
  }

  async close(): Promise<void> {
    this.#live = false;
    this.wake();
    await disconnectRedis(this.#redis);
  }
}
